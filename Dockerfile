# certgraph container image: a static binary (CGO_ENABLED=0; the embedded
# SQLite driver is pure Go) on distroless/static, run as a non-root user,
# state in the /data volume. Build from the repository root:
#   docker build -t certgraph .
# The GraphiQL bundles are committed (internal/graphiql/assets), so the
# build needs no npm and no network beyond the Go module proxy.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -buildvcs=auto stamps the VCS revision and time (shown by
# `certgraph version`) when .git is in the build context.
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=auto go build -trimpath -ldflags="-s -w" -o /out/certgraph . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/certgraph /usr/local/bin/certgraph
# /data holds the embedded database, the keys (keys/) and nothing else;
# owned by the image's non-root user (uid 65532).
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV CERTGRAPH_DATA_DIR=/data \
    CERTGRAPH_ADDR=:8080
VOLUME ["/data"]
# 8080: GraphQL, GraphiQL, the legacy endpoints, /healthz, /readyz;
# 9090: /metrics when started with --admin-addr :9090.
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/certgraph"]
CMD ["serve"]
