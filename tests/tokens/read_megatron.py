#!/usr/bin/env python3
"""An independent reader of Megatron-LM indexed datasets, written from Megatron's own
`_IndexReader` / `_MMapBinReader` (megatron/core/datasets/indexed_dataset.py) with numpy only.

Usage: read_megatron.py PREFIX [PREFIX ...]
Prints one JSON object per prefix: dtype, counts, lengths, document indices, the first and last
id of every sequence, and the SHA-256 of all tokens as little-endian int64 (for exact comparison).
"""
import hashlib
import json
import struct
import sys

import numpy

HEADER = b"MMIDIDX\x00\x00"
DTYPES = {1: numpy.uint8, 2: numpy.int8, 3: numpy.int16, 4: numpy.int32, 5: numpy.int64, 6: numpy.float64, 7: numpy.float32, 8: numpy.uint16}


def read(prefix):
    with open(prefix + ".idx", "rb") as stream:
        assert stream.read(9) == HEADER, "bad header"
        (version,) = struct.unpack("<Q", stream.read(8))
        assert version == 1, "bad version"
        (code,) = struct.unpack("<B", stream.read(1))
        dtype = DTYPES[code]
        (sequence_count,) = struct.unpack("<Q", stream.read(8))
        (document_count,) = struct.unpack("<Q", stream.read(8))
        offset = stream.tell()
    index = numpy.memmap(prefix + ".idx", mode="r", order="C")
    buffer = memoryview(index)
    lengths = numpy.frombuffer(buffer, dtype=numpy.int32, count=sequence_count, offset=offset)
    pointers = numpy.frombuffer(buffer, dtype=numpy.int64, count=sequence_count, offset=offset + lengths.nbytes)
    documents = numpy.frombuffer(buffer, dtype=numpy.int64, count=document_count, offset=offset + lengths.nbytes + pointers.nbytes)
    assert offset + lengths.nbytes + pointers.nbytes + documents.nbytes == len(index), "trailing bytes in .idx"
    data = numpy.memmap(prefix + ".bin", mode="r", order="C")
    size = numpy.dtype(dtype).itemsize
    assert len(data) == int(lengths.sum()) * size, ".bin size does not match the index"
    digest = hashlib.sha256()
    firsts, lasts = [], []
    for i in range(sequence_count):
        sequence = numpy.frombuffer(memoryview(data), dtype=dtype, count=int(lengths[i]), offset=int(pointers[i]))
        digest.update(sequence.astype("<i8").tobytes())
        firsts.append(int(sequence[0]) if len(sequence) else None)
        lasts.append(int(sequence[-1]) if len(sequence) else None)
    return {
        "prefix": prefix,
        "dtype": numpy.dtype(dtype).name,
        "sequences": int(sequence_count),
        "documents": int(document_count) - 1,
        "tokens": int(lengths.sum()),
        "lengths": [int(x) for x in lengths],
        "document_indices": [int(x) for x in documents],
        "first": firsts,
        "last": lasts,
        "sha256": digest.hexdigest(),
    }


for arg in sys.argv[1:]:
    print(json.dumps(read(arg)))
