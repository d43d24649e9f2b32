"""What the load generator itself costs: client CPU per request, httpx against aiohttp.

The load generator shares the server's two cores, so every millisecond it spends is taken from
the server. Both clients hammer the same trivial endpoint (`GET /_bench/ping` of a `quiz serve`
started here with QUIZ_BENCH=1, on SQLite) through a pool of 16 kept-alive connections,
alternately, twice each; the figure is this process's CPU time per request.

Usage: .venv/bin/python bench/client_cost.py [--seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
import httpx
from load import Server, database_url, seed

CONNECTIONS = 16


async def with_httpx(url: str, seconds: float) -> int:
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=CONNECTIONS,
                                                             max_keepalive_connections=CONNECTIONS))
    stop, done = time.perf_counter() + seconds, 0

    async def loop():
        nonlocal done
        client = httpx.AsyncClient(transport=transport)  # not closed: that would close the shared pool
        while time.perf_counter() < stop:
            (await client.get(url)).json()
            done += 1

    await asyncio.gather(*(loop() for _ in range(CONNECTIONS)))
    await transport.aclose()
    return done


async def with_aiohttp(url: str, seconds: float) -> int:
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    stop, done = time.perf_counter() + seconds, 0

    async def loop():
        nonlocal done
        async with aiohttp.ClientSession(connector=connector, connector_owner=False) as client:
            while time.perf_counter() < stop:
                async with client.get(url) as response:
                    await response.json()
                done += 1

    await asyncio.gather(*(loop() for _ in range(CONNECTIONS)))
    await connector.close()
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6)
    args = parser.parse_args()
    seeded = seed(database_url("sqlite", "client_cost"), 1)
    with Server(seeded.url, 8103, 3, 4) as server:
        url = f"{server.base}/_bench/ping"
        print(f"{'client':<9}{'req/s':>9}{'client CPU ms/request':>24}")
        for client in (with_httpx, with_aiohttp) * 2:
            cpu, wall = time.process_time(), time.perf_counter()
            done = asyncio.run(client(url, args.seconds))
            print(f"{client.__name__[5:]:<9}{done / (time.perf_counter() - wall):>9.0f}"
                  f"{(time.process_time() - cpu) / done * 1000:>24.2f}")


if __name__ == "__main__":
    main()
