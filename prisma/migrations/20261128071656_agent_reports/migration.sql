-- AlterTable
ALTER TABLE "workspace_providers" ADD COLUMN     "agent_protocol_version" INTEGER,
ADD COLUMN     "chart_version" TEXT,
ADD COLUMN     "last_report_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "workspace_providers_status_last_heartbeat_at_idx" ON "workspace_providers"("status", "last_heartbeat_at");

