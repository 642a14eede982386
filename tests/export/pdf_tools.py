"""LibreOffice headless conversion for the rendering tests (a plain module: conftest files are not imported)."""
import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(paths: list[Path], out: Path) -> dict[str, Path]:
    """Convert with LibreOffice headless (own profile, so parallel runs do not share a lock)."""
    profile = out / "lo_profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *map(str, paths)], check=True, capture_output=True, timeout=300)
    return {p.name: out / (p.stem + ".pdf") for p in paths}
