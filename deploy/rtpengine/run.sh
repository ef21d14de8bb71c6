#!/bin/sh
# Media on the container's address, advertised as RTPENGINE_ADVERTISE (the address clients and
# phones send media to: the host's public address when published); ng control for the gateway.
set -e
self=$(hostname -i | cut -d' ' -f1)
exec rtpengine --config-file=none --foreground --log-stderr --table=-1 \
  --interface="${self}!${RTPENGINE_ADVERTISE:-$self}" \
  --listen-ng=0.0.0.0:22222 --port-min=30000 --port-max=30100
