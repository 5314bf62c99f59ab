-- CreateTable
CREATE TABLE "agent_connections" (
    "id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "instance_id" TEXT NOT NULL,
    "replica_id" TEXT NOT NULL,
    "connected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_leases" (
    "provider_id" UUID NOT NULL,
    "holder_connection_id" UUID NOT NULL,
    "holder_instance_id" TEXT NOT NULL,
    "holder_replica_id" TEXT NOT NULL,
    "acquired_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_leases_pkey" PRIMARY KEY ("provider_id")
);

-- CreateIndex
CREATE INDEX "agent_connections_provider_id_last_seen_at_idx" ON "agent_connections"("provider_id", "last_seen_at");

-- CreateIndex
CREATE INDEX "agent_leases_holder_connection_id_idx" ON "agent_leases"("holder_connection_id");

-- AddForeignKey
ALTER TABLE "agent_connections" ADD CONSTRAINT "agent_connections_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "workspace_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_leases" ADD CONSTRAINT "agent_leases_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "workspace_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

