"""`python -m allocator.demo`: regenerate every demo file (figures of 2019 and 2020, the loop dataset)."""
from allocator.demo.figures import write_dataset
from allocator.demo.loop import write_loop_figures

if __name__ == "__main__":
    for written_path in [*write_dataset(), write_loop_figures()]:
        print(f"已写出 {written_path}")
