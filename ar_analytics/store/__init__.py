"""The storage layer: plain Python on the environment's cursor, no figure logic. It reads the
book into typed frames (``extract``, ``frames``) and writes the engine's results back
(``writer``); ``arrays`` turns columns into PostgreSQL array parameters."""

from . import arrays, frames, extract, writer
