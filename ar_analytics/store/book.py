"""The reads of a full refresh of one company, batch by batch (docs/scaling.md): its items
and allocations, sales lines and stored per-invoice figures, each read once for the whole
company (one plan, one scan of each table) and held on disk as CSV text. With several
batches each row is led by its batch and the reads are ordered by it, so that each batch is
parsed alone: the memory is one batch's. The allocations are read in this connection, the
rest meanwhile on a second one (``frames.frames_later``), so the engine starts once the
items and allocations are in. The nightly job's collection run reads the same batches again
from disk."""

import numpy as np

from . import extract, frames
from .sales import sales_read
from .stored import stored_moves_read


class Book:
    """The reads of the batches whose first customers are ``firsts``
    (``scope.batch_number``), numbered from 1; ``firsts`` None: one batch, the company.
    ``with_stored``: the stored per-invoice figures too. To be closed."""

    def __init__(self, env, company, as_of, firsts, with_stored):
        self.count, self.with_stored = len(firsts or [None]), with_stored
        self._firsts = np.asarray(firsts or [0], dtype="int64")
        items, allocs = extract.batched_reads(env, company, as_of, firsts)
        files = [items, sales_read(env, company, as_of, firsts=firsts)]
        if with_stored:
            files.append(stored_moves_read(env, company, None, firsts=firsts))
        # one batch: the items parsed by the second connection's thread while this one
        # still reads the allocations
        self._later = frames.frames_later(env, [], files, parse_first=self.count == 1)
        self._held = [None] * len(files)
        copied = frames.copy_to_file(env.cr, *frames.prepared(env, *allocs))
        self._allocs = frames.Batched(copied, self.count)
        self._whole = None

    def _read(self, position):
        # the second connection's reads are waited for one at a time, when first needed
        if self._held[position] is None:
            self._held[position] = frames.Batched(self._later.file(position), self.count)
        return self._held[position]

    def batch_numbers(self, partner_ids):
        """The batch of each of ``partner_ids`` (customers, 0 for none), as
        ``scope.batch_number`` gives it in SQL: numbers from 1, an array."""
        keys = np.nan_to_num(np.asarray(partner_ids, dtype="float64")).astype("int64")
        numbers = np.maximum(np.searchsorted(self._firsts, keys, side="right"), 1)
        return np.where(keys == 0, self.count, numbers)

    def frames(self, number):
        """(items, allocs) of the batch; those of a single batch parsed once and kept."""
        if self._whole is not None:
            return self._whole
        items = self._later.frame() if self.count == 1 else self._read(0).frame(number)
        read = items, extract.batch_allocations(items, self._allocs.frame(number))
        if self.count == 1:
            self._whole = read
        return read

    def sales(self, number):
        """The batch's sales lines (``store.sales.sales_read``), not yet costed."""
        return self._read(1).frame(number)

    def stored(self, number):
        """The per-invoice figures stored for the batch's customers."""
        return self._read(2).frame(number)

    def close(self):
        """Let the files go (those of the second connection once read) and the frames."""
        for position in range(len(self._held)):
            self._read(position).close()
        self._allocs.close()
        self._whole = None
