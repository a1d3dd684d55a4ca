# The gateway node image the manifests run (a shell is needed: the StatefulSet reads the node's credential file).
# Build from the repository root after `./mvnw -B -ntp package -DskipTests`:
#   docker build -f deploy/kubernetes/images/gateway-node.Dockerfile -t gatehouse/gateway-node:0.1.0 .
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gatehouse && useradd --system --uid 10001 --gid 10001 --no-create-home gatehouse
COPY gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar /opt/gatehouse/gateway-node.jar
USER 10001:10001
EXPOSE 8000 8100
# Sized for a million keys in 512 MiB, as the StatefulSet runs it (docs/operations.md#sizing).
ENV MALLOC_ARENA_MAX=2
CMD ["java", "-Xms128m", "-Xmx320m", "-XX:+UseParallelGC", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=64m", "-Xss512k", "-jar", "/opt/gatehouse/gateway-node.jar"]
