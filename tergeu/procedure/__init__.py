"""The procedure engine: the law's terms, acts and approvals as pure Python over plain values.

Nothing in this package imports Django or performs I/O, apart from loaders that read a pack file
from a path they are given."""
