"""Progress state in Redis. Every write is compare-and-set, so a repeated write is a no-op.

The store holds what changes fast and what every process must see at once (status of a running
deployment, of each host and event, agent heartbeats, locks, stop requests); the SQL store keeps
the durable record.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, cast

import redis

from deployq.errors import ProgressStoreError
from deployq.progress.keys import Keys

#: Set ``field`` of hash KEYS[1] to ARGV[2] when its current value is one of ARGV[4..]
#: ('' stands for "absent") and differs from ARGV[2]; ARGV[3] is the time. Returns 1 if written.
_CAS = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current == false then current = '' end
if current == ARGV[2] then return 0 end
for i = 4, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'updated_at', ARGV[3])
    return 1
  end
end
return 0
"""

#: Finish the run ARGV[1] of an event: only the run that claimed it, only once.
_FINISH = """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'finished', 'outcome', ARGV[2], 'updated_at', ARGV[3])
return 1
"""

#: Claim an event for the run ARGV[1] if no run ever claimed it (atomically, with its token).
_CLAIM = """
if redis.call('HSETNX', KEYS[1], 'state', 'running') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'started_at', ARGV[2])
return 1
"""

#: Start batch ARGV[1] (hosts ARGV[2]) of a deployment unless that batch or a later one started.
_START_BATCH = """
local current = tonumber(redis.call('HGET', KEYS[1], 'batch') or '0')
if current >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'batch', ARGV[1], 'batch_hosts', ARGV[2], 'batch_state', 'dispatched',
           'dispatched_at', ARGV[3], 'batch_' .. ARGV[1], ARGV[2])
return 1
"""

#: Let exactly one caller gate batch ARGV[1]: the one that moves it from dispatched to gated.
_CLAIM_GATE = """
if redis.call('HGET', KEYS[1], 'batch') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'batch_state') ~= 'dispatched' then return 0 end
redis.call('HSET', KEYS[1], 'batch_state', 'gated', 'gated_at', ARGV[2])
return 1
"""

#: Delete a lock only if the caller still owns it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

#: Extend a lock only if the caller still owns it.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

ABSENT = ""


class ProgressStore:
    def __init__(self, client: redis.Redis, prefix: str = "deployq") -> None:
        self.redis = client
        self.keys = Keys(prefix)
        self._cas = client.register_script(_CAS)
        self._claim = client.register_script(_CLAIM)
        self._finish = client.register_script(_FINISH)
        self._release = client.register_script(_RELEASE)
        self._start_batch = client.register_script(_START_BATCH)
        self._claim_gate = client.register_script(_CLAIM_GATE)
        self._extend = client.register_script(_EXTEND)

    @classmethod
    def from_url(cls, url: str, prefix: str = "deployq") -> ProgressStore:
        return cls(redis.Redis.from_url(url, decode_responses=True), prefix)

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError as exc:
            raise ProgressStoreError(f"Redis did not answer: {exc}") from None

    # statuses -------------------------------------------------------------------------------

    def _compare_and_set(self, key: str, field: str, allowed_from: Iterable[str], new: str) -> bool:
        allowed = list(allowed_from) or [ABSENT]
        try:
            return bool(self._cas(keys=[key], args=[field, new, repr(time.time()), *allowed]))
        except redis.RedisError as exc:
            raise ProgressStoreError(f"Redis failed on {key}: {exc}") from None

    def set_deployment_status(self, deployment_id: str, allowed_from: Iterable[str], status: str) -> bool:
        """Move a deployment to ``status`` from one of ``allowed_from`` ('' = not yet known)."""
        return self._compare_and_set(self.keys.deployment(deployment_id), "status", allowed_from, status)

    def deployment_status(self, deployment_id: str) -> str | None:
        return cast(str | None, self.redis.hget(self.keys.deployment(deployment_id), "status"))

    def set_target_status(self, deployment_id: str, host: str, allowed_from: Iterable[str], status: str) -> bool:
        return self._compare_and_set(self.keys.target(deployment_id, host), "status", allowed_from, status)

    def target_status(self, deployment_id: str, host: str) -> str | None:
        return cast(str | None, self.redis.hget(self.keys.target(deployment_id, host), "status"))

    # a running deployment --------------------------------------------------------------------------

    def open_deployment(self, deployment_id: str, fields: Mapping[Any, Any]) -> None:
        """Record a deployment's plan (order, rule) when it starts and list it as active."""
        pipe = self.redis.pipeline()
        pipe.hset(self.keys.deployment(deployment_id), mapping=dict(fields))
        pipe.sadd(self.keys.active(), deployment_id)
        pipe.execute()

    def close_deployment(self, deployment_id: str) -> None:
        self.redis.srem(self.keys.active(), deployment_id)

    def active_deployments(self) -> set[str]:
        return cast(set[str], self.redis.smembers(self.keys.active()))

    def deployment_fields(self, deployment_id: str) -> dict[str, str]:
        return cast(dict[str, str], self.redis.hgetall(self.keys.deployment(deployment_id)))

    def start_batch(self, deployment_id: str, batch: int, hosts: list[str]) -> bool:
        """Record batch ``batch`` as dispatched; False when it (or a later one) was already."""
        return bool(self._start_batch(keys=[self.keys.deployment(deployment_id)],
                                      args=[batch, json.dumps(hosts), repr(time.time())]))

    def batches(self, deployment_id: str) -> list[list[str]]:
        """The hosts of every batch dispatched so far, in order."""
        fields = self.deployment_fields(deployment_id)
        count = int(fields.get("batch", "0"))
        return [json.loads(fields[f"batch_{n}"]) for n in range(1, count + 1) if f"batch_{n}" in fields]

    def host_finished_batch(self, deployment_id: str, batch: int, host: str) -> int:
        """Mark ``host`` done in ``batch``; return how many hosts of the batch are done."""
        key = self.keys.batch_done(deployment_id, batch)
        pipe = self.redis.pipeline()
        pipe.sadd(key, host)
        pipe.scard(key)
        pipe.expire(key, 7 * 86400)
        return int(pipe.execute()[1])

    def hosts_done(self, deployment_id: str, batch: int) -> set[str]:
        return cast(set[str], self.redis.smembers(self.keys.batch_done(deployment_id, batch)))

    def claim_gate(self, deployment_id: str, batch: int) -> bool:
        return bool(self._claim_gate(keys=[self.keys.deployment(deployment_id)], args=[batch, repr(time.time())]))

    # events ----------------------------------------------------------------------------------

    def claim_event(self, deployment_id: str, host: str, event: str, token: str) -> bool:
        """Mark an event running under ``token``. False if any run claimed it before: the caller
        must then not run it again (it finished, or a worker died while running it)."""
        key = self.keys.event(deployment_id, host, event)
        return bool(self._claim(keys=[key], args=[token, repr(time.time())]))

    def force_event(self, deployment_id: str, host: str, event: str, outcome: Mapping[str, Any]) -> bool:
        """End an event that its agent will never finish (the agent is dead): claim it if nobody did,
        then finish it under whichever token holds it. False if it had finished already."""
        key = self.keys.event(deployment_id, host, event)
        self.claim_event(deployment_id, host, event, "reaper")
        token = cast(str | None, self.redis.hget(key, "token"))
        return token is not None and self.finish_event(deployment_id, host, event, token, outcome)

    def finish_event(self, deployment_id: str, host: str, event: str, token: str,
                     outcome: Mapping[str, Any]) -> bool:
        """Record the outcome of the run ``token``; a second record is a no-op and returns False."""
        key = self.keys.event(deployment_id, host, event)
        payload = json.dumps(dict(outcome), sort_keys=True)
        return bool(self._finish(keys=[key], args=[token, payload, repr(time.time())]))

    def event_state(self, deployment_id: str, host: str, event: str) -> dict[str, Any]:
        """``{}`` if never claimed; else ``state``, ``token``, ``started_at`` and ``outcome``."""
        raw = cast(dict[str, str], self.redis.hgetall(self.keys.event(deployment_id, host, event)))
        state: dict[str, Any] = dict(raw)
        if "outcome" in raw:
            state["outcome"] = json.loads(raw["outcome"])
        return state

    # logs ----------------------------------------------------------------------------------------

    def append_logs(self, deployment_id: str, entries: Iterable[Mapping[Any, Any]], *,
                    maxlen: int = 100_000, ttl: float = 7 * 86400) -> None:
        """Append log lines to the deployment's stream, keeping about ``maxlen`` of the newest."""
        key = self.keys.logs(deployment_id)
        pipe = self.redis.pipeline(transaction=False)
        for entry in entries:
            pipe.xadd(key, dict(entry), maxlen=maxlen, approximate=True)
        pipe.expire(key, int(ttl))
        pipe.execute()

    def read_logs(self, deployment_id: str, after: str = "0", count: int = 1000) -> list[tuple[str, dict[str, str]]]:
        """Entries after the stream id ``after`` (``"0"``: from the start), oldest first."""
        rows = cast(list[tuple[str, dict[str, str]]],
                    self.redis.xrange(self.keys.logs(deployment_id), min=f"({after}" if after != "0" else "-",
                                      count=count))
        return rows

    # heartbeats --------------------------------------------------------------------------------

    def heartbeat(self, host: str, ttl: float, info: Mapping[str, Any] | None = None) -> None:
        now = time.time()
        payload = json.dumps({"host": host, "time": now, **(info or {})})
        pipe = self.redis.pipeline()
        pipe.set(self.keys.heartbeat(host), payload, px=max(1, int(ttl * 1000)))
        pipe.zadd(self.keys.heartbeats(), {host: now})
        pipe.execute()

    def last_heartbeat(self, host: str) -> float | None:
        score = self.redis.zscore(self.keys.heartbeats(), host)
        return None if score is None else float(score)

    def heartbeats(self) -> dict[str, float]:
        pairs = cast(list[tuple[str, float]], self.redis.zrange(self.keys.heartbeats(), 0, -1, withscores=True))
        return {host: float(score) for host, score in pairs}

    def is_alive(self, host: str, max_age: float, now: float | None = None) -> bool:
        last = self.last_heartbeat(host)
        return last is not None and (now or time.time()) - last <= max_age

    # locks and stop flags -----------------------------------------------------------------------

    def acquire(self, name: str, owner: str, ttl: float) -> bool:
        """Take the lock ``name`` for ``ttl`` seconds; taking it again as its owner is a no-op success."""
        key = self.keys.lock(name)
        if self.redis.set(key, owner, nx=True, px=int(ttl * 1000)):
            return True
        return self.redis.get(key) == owner

    def release(self, name: str, owner: str) -> bool:
        return bool(self._release(keys=[self.keys.lock(name)], args=[owner]))

    def extend(self, name: str, owner: str, ttl: float) -> bool:
        return bool(self._extend(keys=[self.keys.lock(name)], args=[owner, int(ttl * 1000)]))

    def lock_owner(self, name: str) -> str | None:
        return cast(str | None, self.redis.get(self.keys.lock(name)))

    def request_stop(self, deployment_id: str, mode: str = "terminate", ttl: float = 86400) -> bool:
        """Ask a deployment to stop; the first request wins, a repeated one is a no-op."""
        return bool(self.redis.set(self.keys.stop(deployment_id), mode, nx=True, ex=int(ttl)))

    def stop_requested(self, deployment_id: str) -> str | None:
        return cast(str | None, self.redis.get(self.keys.stop(deployment_id)))

    # scheduler ----------------------------------------------------------------------------------

    def beat_tick(self) -> float:
        now = time.time()
        self.redis.set(self.keys.beat(), repr(now))
        return now

    def last_beat(self) -> float | None:
        value = self.redis.get(self.keys.beat())
        return None if value is None else float(cast(str, value))
