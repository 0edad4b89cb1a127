"""Base layer: the resume directory's DuckDB file, its schema, blobs and the in-memory mirror."""

from .blobs import BlobStore
from .database import DB_FILENAME, Database
from .migrations import SCHEMA_VERSION
from .records import BatchEntry, CallRecord, MemoRecord
from .resume_store import ResumeStore

__all__ = [
    "BatchEntry",
    "BlobStore",
    "CallRecord",
    "Database",
    "DB_FILENAME",
    "MemoRecord",
    "ResumeStore",
    "SCHEMA_VERSION",
]
