"""Services layer: LLM provider adapters behind one interface, and what calls cost."""

from .base import LLMRequest, Message, Provider, ProviderReply, StreamChunk
from .pricing import cost_usd, price_for, set_price
from .registry import get_provider, provider_names, register_provider, unregister_provider

__all__ = [
    "LLMRequest",
    "Message",
    "Provider",
    "ProviderReply",
    "StreamChunk",
    "cost_usd",
    "get_provider",
    "price_for",
    "provider_names",
    "register_provider",
    "set_price",
    "unregister_provider",
]
