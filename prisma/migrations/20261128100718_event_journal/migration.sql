-- CreateTable
CREATE TABLE "event_journal" (
    "id" BIGSERIAL NOT NULL,
    "payload" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_journal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "event_journal_at_idx" ON "event_journal"("at");

