"""Counter: the window desk of a government service center."""

__version__ = "0.1.0"
