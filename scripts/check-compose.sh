#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine (none runs on the CI machines): the file is valid
# for Debian's docker-compose (`config -q`), and it has the topology of the design: two tracker nodes
# and the dashboard are the Hazelcast members, on both networks, each binding Hazelcast to its own
# trackers-network address (so the member port is not on the peers network), sharing one member
# list on the trackers network and the cluster secret; the trackers network is internal; the seeder
# and leechers are on the peers network only, no members, without the secret, reporting to every
# tracker's report bridge with the report token; the dashboard published on loopback only; and the
# Dockerfile it builds present with a non-root user, a HEALTHCHECK and a /data volume.
# Needs docker-compose (apt-get install docker-compose) and python3-yaml (docker-compose brings it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker-compose >/dev/null || { echo "check-compose: docker-compose is missing (apt-get install docker-compose)"; exit 1; }

# The secrets are the operator's: placeholders here, only to render the file.
export ENJAMBRE_CLUSTER_SECRET=check-compose-placeholder-secret ENJAMBRE_REPORT_TOKEN=check-compose-placeholder-token
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml config | python3 -c '
import sys, yaml
c = yaml.safe_load(sys.stdin)
errors = []
services = c["services"]
nets = lambda s: set((services[s].get("networks") or {}).keys())
addr = lambda s, n: ((services[s].get("networks") or {}).get(n) or {}).get("ipv4_address")
env = lambda s: services[s].get("environment") or {}
trackers = [s for s in services if s.startswith("tracker-")]
peers = [s for s in services if s.startswith(("seeder", "leecher-"))]
members = trackers + ["dashboard"]
if len(trackers) != 2: errors.append("want 2 tracker services, got %s" % trackers)
if "seeder" not in services: errors.append("no seeder service")
if len([s for s in peers if s.startswith("leecher-")]) < 2: errors.append("want several leechers")
if "dashboard" not in services: errors.append("no dashboard service")
if set(c.get("networks", {})) != {"trackers", "peers"}: errors.append("want networks trackers and peers")
if not (c.get("networks", {}).get("trackers") or {}).get("internal"): errors.append("the trackers network must be internal")
member_list = None
for s in members:
    cmd = services[s]["command"]
    if nets(s) != {"trackers", "peers"}: errors.append("%s must be on both networks, is on %s" % (s, nets(s)))
    if "--cluster" not in cmd: errors.append("%s is not a cluster member" % s)
    if s in trackers and "--tracker" not in cmd: errors.append("%s does not run a tracker" % s)
    host = cmd[cmd.index("--cluster-host") + 1] if "--cluster-host" in cmd else None
    if host is None or host != addr(s, "trackers"):
        errors.append("%s binds Hazelcast to %s, its trackers address is %s" % (s, host, addr(s, "trackers")))
    m = env(s).get("ENJAMBRE_CLUSTER_MEMBERS")
    if not m: errors.append("%s has no ENJAMBRE_CLUSTER_MEMBERS" % s); continue
    member_list = member_list or m
    if m != member_list: errors.append("%s has another member list" % s)
    if host and host + ":" not in m: errors.append("%s (%s) is not in the member list" % (s, host))
    if not env(s).get("ENJAMBRE_CLUSTER_SECRET"): errors.append("%s has no ENJAMBRE_CLUSTER_SECRET" % s)
    if not env(s).get("ENJAMBRE_REPORT_TOKEN"): errors.append("%s has no ENJAMBRE_REPORT_TOKEN to check reports with" % s)
    if not any(str(v).endswith(":/opt/enjambre/cluster.xml:ro") for v in services[s].get("volumes", [])):
        errors.append("%s does not mount the top-level cluster.xml" % s)
peer_addresses = [addr(s, "peers") for s in services if addr(s, "peers")]
for m in (member_list or "").split(","):
    if m.split(":")[0] in peer_addresses: errors.append("member address %s is on the peers network" % m)
for s in peers:
    cmd = services[s]["command"]
    if nets(s) != {"peers"}: errors.append("%s must be on the peers network only, is on %s" % (s, nets(s)))
    if "--cluster" in cmd: errors.append("%s is a peer node: it must not be a cluster member" % s)
    if "ENJAMBRE_CLUSTER_SECRET" in env(s): errors.append("%s is a peer node: it must not know the cluster secret" % s)
    if not env(s).get("ENJAMBRE_REPORT_TOKEN"): errors.append("%s has no ENJAMBRE_REPORT_TOKEN" % s)
    to = cmd[cmd.index("--report-to") + 1].split(",") if "--report-to" in cmd else []
    if sorted(h.split(":")[0] for h in to) != sorted(trackers): errors.append("%s reports to %s, not to every tracker" % (s, to))
def port(p):  # (host_ip, target) from the long or the short syntax ("127.0.0.1:8080:8080/tcp")
    if isinstance(p, dict): return (p.get("host_ip"), str(p.get("target")))
    parts = str(p).split("/")[0].split(":")
    return (parts[0] if len(parts) == 3 else None, parts[-1])
ports = [port(p) for p in services["dashboard"].get("ports", [])]
if not any(t == "8080" for _, t in ports): errors.append("the dashboard port is not published")
if any(h != "127.0.0.1" for h, _ in ports): errors.append("the dashboard must be published on 127.0.0.1 only")
for s in services:
    if s != "dashboard" and services[s].get("ports"): errors.append("%s publishes a port" % s)
if errors:
    print("check-compose: " + "\ncheck-compose: ".join(errors)); sys.exit(1)
print("check-compose: %d services; members %s on both networks, Hazelcast on the trackers network; %d peer nodes reporting to %s"
      % (len(services), members, len(peers), trackers))
'
dockerfile=docker/Dockerfile
for want in "^FROM maven:3-eclipse-temurin-25 AS build" "^FROM eclipse-temurin:25-jre" "^USER enjambre" "^HEALTHCHECK" "^VOLUME"; do
  grep -Eq "$want" "$dockerfile" || { echo "check-compose: $dockerfile lacks /$want/"; exit 1; }
done
[ -f .dockerignore ] || { echo "check-compose: no .dockerignore"; exit 1; }
echo "check-compose: docker-compose.yml and $dockerfile OK"
