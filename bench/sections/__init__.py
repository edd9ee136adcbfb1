"""The sections of bench/run.py, one module each: what it measures and the rows it adds."""
