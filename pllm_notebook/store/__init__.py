"""Base layer: the resume store interface, the resume directory's DuckDB file, its schema and blobs."""

from .blobs import BlobStore
from .database import DB_FILENAME, Database
from .migrations import SCHEMA_VERSION
from .records import BatchEntry, CallRecord, MemoRecord
from .resume_base import ResumeStoreBase
from .resume_store import ResumeStore

__all__ = [
    "BatchEntry",
    "BlobStore",
    "CallRecord",
    "Database",
    "DB_FILENAME",
    "MemoRecord",
    "ResumeStore",
    "ResumeStoreBase",
    "SCHEMA_VERSION",
]
