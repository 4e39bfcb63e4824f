# The events tools in a container (docs/packaging.md): Debian 12 slim,
# running as an unprivileged user.
#
#   docker build -t events-tools .
#   docker run --rm events-tools events-producer --help
#
# Stage "build" makes the Debian packages with the scripts CI runs
# (scripts/deps.sh, scripts/package.sh; scripts/test.sh runs both), so a
# change that breaks the image's build breaks CI first. The final stage
# installs the library and tools packages, nothing else: apt resolves their
# run-time dependencies.

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY . .
RUN scripts/deps.sh package \
    && scripts/package.sh /build \
    && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim
COPY --from=build /build/packages/libevents0_*.deb /build/packages/events-tools_*.deb /tmp/debs/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/debs/*.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/debs \
    && groupadd --gid 10001 events \
    && useradd --uid 10001 --gid events --no-create-home --home-dir /var/lib/events \
       --shell /usr/sbin/nologin events \
    && install -d -o events -g events -m 0750 /var/lib/events
# A numeric user, so that orchestrators can tell it is not root.
USER 10001:10001
WORKDIR /var/lib/events
# events-consumer --http: /health and /metrics.
EXPOSE 8080
CMD ["events-consumer", "--help"]
