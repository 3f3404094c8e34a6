#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine (none runs on the CI machines): the file is valid
# for Debian's docker-compose (`config -q`), and it has the topology of the design: two tracker
# nodes on both networks, the seeder, leechers and dashboard on the peers network only, every node
# given the Hazelcast member list and its own address in it, the dashboard published on 127.0.0.1
# only, and the
# Dockerfile it builds present with a non-root user, a HEALTHCHECK and a /data volume.
# Needs docker-compose (apt-get install docker-compose) and python3-yaml (docker-compose brings it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker-compose >/dev/null || { echo "check-compose: docker-compose is missing (apt-get install docker-compose)"; exit 1; }

docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml config | python3 -c '
import sys, yaml
c = yaml.safe_load(sys.stdin)
errors = []
services = c["services"]
nets = lambda s: set((services[s].get("networks") or {}).keys())
trackers = [s for s in services if s.startswith("tracker-")]
peers = [s for s in services if s.startswith(("seeder", "leecher-", "dashboard"))]
if len(trackers) != 2: errors.append("want 2 tracker services, got %s" % trackers)
if "seeder" not in services: errors.append("no seeder service")
if len([s for s in peers if s.startswith("leecher-")]) < 2: errors.append("want several leechers")
if "dashboard" not in services: errors.append("no dashboard service")
for s in trackers:
    if nets(s) != {"trackers", "peers"}: errors.append("%s must be on both networks, is on %s" % (s, nets(s)))
    if "--tracker" not in services[s]["command"]: errors.append("%s does not run a tracker" % s)
for s in peers:
    if nets(s) != {"peers"}: errors.append("%s must be on the peers network only, is on %s" % (s, nets(s)))
members = None
for s in trackers + peers:
    cmd = services[s]["command"]
    env = services[s].get("environment") or {}
    m = env.get("ENJAMBRE_CLUSTER_MEMBERS")
    if not m: errors.append("%s has no ENJAMBRE_CLUSTER_MEMBERS" % s); continue
    members = members or m
    if m != members: errors.append("%s has another member list" % s)
    if "--cluster" not in cmd: errors.append("%s does not join the cluster" % s)
    host = cmd[cmd.index("--cluster-host") + 1] if "--cluster-host" in cmd else None
    addr = (services[s]["networks"].get("peers") or {}).get("ipv4_address")
    if host is None or host != addr: errors.append("%s advertises %s, its peers address is %s" % (s, host, addr))
    if host and host + ":" not in m: errors.append("%s (%s) is not in the member list" % (s, host))
    if not any(str(v).endswith(":/opt/enjambre/cluster.xml:ro") for v in services[s].get("volumes", [])):
        errors.append("%s does not mount the top-level cluster.xml" % s)
def port(p):
    # docker-compose 1.x gives "IP:HOST:CONTAINER/PROTO" when an address is set, a dict otherwise.
    if isinstance(p, dict): return str(p.get("target")), p.get("host_ip")
    parts = str(p).split("/")[0].split(":")
    return parts[-1], parts[0] if len(parts) == 3 else None
if not any(port(p)[0] == "8080" for p in services["dashboard"].get("ports", [])):
    errors.append("the dashboard port is not published")
for s in services:
    for p in services[s].get("ports", []) or []:
        if port(p)[0] == "8080" and port(p)[1] != "127.0.0.1":
            errors.append("%s publishes its web port beyond 127.0.0.1 (the node API is for its owner)" % s)
if set(c.get("networks", {})) != {"trackers", "peers"}: errors.append("want networks trackers and peers")
if errors:
    print("check-compose: " + "\ncheck-compose: ".join(errors)); sys.exit(1)
print("check-compose: %d services; trackers %s on both networks; %d nodes on peers; one member list" % (len(services), trackers, len(peers)))
'
dockerfile=docker/Dockerfile
for want in "^FROM maven:3-eclipse-temurin-25 AS build" "^FROM eclipse-temurin:25-jre" "^USER enjambre" "^HEALTHCHECK" "^VOLUME"; do
  grep -Eq "$want" "$dockerfile" || { echo "check-compose: $dockerfile lacks /$want/"; exit 1; }
done
[ -f .dockerignore ] || { echo "check-compose: no .dockerignore"; exit 1; }
echo "check-compose: docker-compose.yml and $dockerfile OK"
