# sigsmith in a container: the release binary's build, on a small runtime image.
#   docker build -t sigsmith .
#   docker run --rm -v "$PWD:/work" sigsmith lint .
FROM rust:1.89-slim AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin sigsmith

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/sigsmith /usr/local/bin/sigsmith
# Repositories mounted from the host belong to another user; let `--changed-since` use git.
RUN git config --system --add safe.directory '*'
WORKDIR /work
ENTRYPOINT ["sigsmith"]
CMD ["lint", "."]
