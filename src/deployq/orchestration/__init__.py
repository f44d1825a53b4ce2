"""The pure core of a deployment's orchestration: which hosts, in which order, in which batches, and
what the outcome of a batch means. No I/O: everything here is decided from plain values."""
