extension ComponentContext {
    /// A receiver's last step: counts `batch` as received and hands it to `next`; a refusal is
    /// counted as dropped and logged, never thrown (the receiver carries on with its next round).
    func handOn(_ batch: MetricBatch, to next: any Consumer) async {
        telemetry.received(telemetryName, batch.points.count)
        guard !batch.isEmpty else { return }
        do { try await next.consume(batch) } catch {
            telemetry.dropped(telemetryName, reason: "refused", batch.points.count)
            logger.warning("next component refused \(batch.points.count) points: \(error)")
        }
    }
}
