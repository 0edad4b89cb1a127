"""Exceptions raised by pllm_notebook, each naming the problem and the way out."""

from __future__ import annotations


class PllmError(Exception):
    """Base class of every error this package raises on purpose."""


class StoreError(PllmError):
    """The resume directory cannot be read or written."""


class StoreLockedError(StoreError):
    """Another process held the resume directory for longer than we were willing to wait."""


class SchemaTooNewError(StoreError):
    """The resume directory was written by a newer pllm_notebook."""


class CorruptStoreError(StoreError):
    """The DuckDB file of a resume directory is damaged."""


class IntegrityError(StoreError):
    """A stored entry failed its integrity check and was not loaded."""


class BundleError(StoreError):
    """A shared bundle failed verification (or cannot be written); the message says which part."""


class SignatureError(BundleError):
    """A bundle's Ed25519 signature does not match its manifest."""


class UntrustedEntryError(PllmError):
    """A stored run needs to unpickle a value, its signer is not trusted, and the cell cannot run live."""


class ProviderError(PllmError):
    """An LLM provider failed; the provider's own message is kept in the text."""

    def __init__(
        self, message: str, *, provider: str = "", status: int | None = None, retryable: bool = False
    ):
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retryable = retryable


class MissingAPIKeyError(ProviderError):
    """No API key was found for a provider that needs one."""


class UnknownProviderError(PllmError, ValueError):
    """A provider name that nothing is registered under."""


class ConfigError(PllmError, ValueError):
    """A bad argument or setting."""
