"""Engine layer: orchestrators, agents, conversations, memo blocks and LLM responses."""

from .agent import Agent, AgentContext
from .memo import Memo
from .message_state import MessageState
from .orchestrator import Orchestrator
from .recording import MutationLog, decode_ops, encode_ops, replay_ops
from .response import LLMResponse, ResponseData, Usage
from .stats import Stats, StatsCollector
from .userdata import UserData

__all__ = [
    "Agent",
    "AgentContext",
    "LLMResponse",
    "Memo",
    "MessageState",
    "MutationLog",
    "Orchestrator",
    "ResponseData",
    "Stats",
    "StatsCollector",
    "Usage",
    "UserData",
    "decode_ops",
    "encode_ops",
    "replay_ops",
]
