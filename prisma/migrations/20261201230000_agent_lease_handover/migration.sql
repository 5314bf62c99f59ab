-- AlterTable
ALTER TABLE "agent_leases" ADD COLUMN     "handover_until" TIMESTAMPTZ(3);
