"""The models a server answers for: its base model, and the fine-tuned models of the caller's
succeeded jobs, each loaded on first use (its LoRA adapter merged into a copy of the base, so it
decodes as fast as the base; the base weights are not shared) with an engine of its own. At most
`max_adapters` fine-tuned models stay loaded; the least recently used idle one goes first."""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

RETIRE_AFTER_S = 30.0     # an evicted engine is shut down once idle this long: a request that took it just
                          # before the eviction (and is still tokenizing or retrieving) can still submit

class ModelRegistry:
    def __init__(self, store, max_adapters: int, engine_factory):
        self.store, self.max_adapters, self.engine_factory = store, max(1, max_adapters), engine_factory
        self.base = None                      # (LoadedModel, engine)
        self.loaded: OrderedDict[str, tuple] = OrderedDict()
        self.locks: dict[str, asyncio.Lock] = {}
        self.retiring: list[tuple[float, object]] = []     # (evicted at, engine)

    def set_base(self, lm, engine) -> None:
        self.base = (lm, engine)

    def fine_tuned(self, owner: str) -> list[tuple[str, int, str]]:
        return self.store.fine_tuned_models(owner) if self.store is not None else []

    async def get(self, name: str, owner: str):
        """(LoadedModel, engine) for `name`, or None when it is not served to this caller."""
        if self.base is None:
            return None
        if name == self.base[0].name:
            return self.base
        if self.store is None or not name.startswith("ft:"):
            return None
        self._retire()
        found = self.store.fine_tuned(owner, name)
        if found is None:
            return None
        async with self.locks.setdefault(name, asyncio.Lock()):      # one per fine-tuned model the owner has
            if name not in self.loaded:
                from serving.loader import load
                lm = await asyncio.to_thread(load, str(found[1]), str(self.base[0].device))
                lm.name = name
                self.loaded[name] = (lm, self.engine_factory(lm))
                self._evict()
            self.loaded.move_to_end(name)
            return self.loaded[name]

    def _evict(self) -> None:
        for name in list(self.loaded):
            if len(self.loaded) <= self.max_adapters:
                return
            _, engine = self.loaded[name]
            if engine.in_flight == 0:
                del self.loaded[name]
                self.retiring.append((time.monotonic(), engine))

    def _retire(self) -> None:
        now, keep = time.monotonic(), []
        for since, engine in self.retiring:
            if engine.in_flight == 0 and now - since >= RETIRE_AFTER_S:
                engine.shutdown()
            else:
                keep.append((since if engine.in_flight == 0 else now, engine))
        self.retiring = keep

    def shutdown(self) -> None:
        for _, engine in list(self.loaded.values()) + [(None, e) for _, e in self.retiring]:
            engine.shutdown()
        self.loaded.clear()
        self.retiring.clear()
