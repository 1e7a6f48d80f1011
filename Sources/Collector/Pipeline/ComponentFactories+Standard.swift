extension ComponentFactories {
    /// Every component type the collector ships.
    public static let standard: ComponentFactories = {
        var factories = ComponentFactories()
        factories.register(EBPFReceiverFactory())
        factories.register(RingBufReceiverFactory())
        factories.register(PrometheusReceiverFactory())
        factories.register(BatchProcessorFactory())
        factories.register(FilterProcessorFactory())
        factories.register(AttributesProcessorFactory())
        factories.register(K8sAttributesProcessorFactory())
        factories.register(ThresholdProcessorFactory())
        factories.register(CounterChangeProcessorFactory(.delta))
        factories.register(CounterChangeProcessorFactory(.rate))
        factories.register(MemoryLimiterProcessorFactory())
        factories.register(RemoteWriteExporterFactory())
        factories.register(PrometheusExporterFactory())
        factories.register(DebugExporterFactory())
        return factories
    }()
}
