"""Reference simulator for factor-method (因素法) fund allocation."""
__version__ = "0.1.0"
