# jingle-sip-gateway: the gateway alone. Media flows end to end, so only the SIP port is needed.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY bin ./bin
COPY mappings ./mappings
COPY config ./config
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
EXPOSE 5060/udp 5060/tcp
ENTRYPOINT ["node", "bin/jingle-sip-gateway.js"]
CMD ["run", "--config", "/etc/jingle-sip-gateway/gateway.yaml"]
