"""The M/M/c loss model of benches/mmc-loss.json in SimPy, for issue 15's peer comparison.

Poisson arrivals (8,000/s), c = 100 servers, exponential service (mean 10 ms), an arrival that finds every server
busy is lost; 200,000 arrivals. Prints the count served, the count lost and the loss share (Erlang B: 0.40 %).
Run: `python3 benches/mmc_simpy.py` (needs `pip install simpy`); time it beside
`eventflow run benches/mmc-loss.json --summary` (see the README's benchmark section).
"""

import random
import sys

import simpy

ARRIVALS_PER_S = 8000.0
SERVERS = 100
MEAN_SERVICE_S = 0.010
REQUESTS = 200_000


def main(seed: int = 1) -> None:
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    counts = {"served": 0, "lost": 0}

    def serve():
        with servers.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE_S))
            counts["served"] += 1

    def arrivals():
        for _ in range(REQUESTS):
            yield env.timeout(rng.expovariate(ARRIVALS_PER_S))
            if servers.count < SERVERS:
                env.process(serve())
            else:
                counts["lost"] += 1

    env.process(arrivals())
    env.run()
    total = counts["served"] + counts["lost"]
    print(f"served {counts['served']} lost {counts['lost']} loss {100.0 * counts['lost'] / total:.2f} %")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
