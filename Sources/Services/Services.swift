// The services one server process runs, built once by the App and handed to the API. Immutable; any thread.
import Domain
import Store

/// Every service, sharing one storage and one clock.
public final class Services: Sendable {
    public let storage: Storage
    public let accounts: Accounts
    public let apiKeys: APIKeys
    public let integrations: Integrations
    public let workflows: Workflows
    public let housekeeping: Housekeeping
    public let executions: Executions
    public let webhooks: Webhooks
    /// Wall-clock milliseconds (tests move it).
    public let clock: @Sendable () -> Int64

    public init(storage: Storage, accounts: Accounts, apiKeys: APIKeys, integrations: Integrations, workflows: Workflows,
                housekeeping: Housekeeping, executions: Executions, webhooks: Webhooks,
                clock: @escaping @Sendable () -> Int64) {
        self.storage = storage
        self.accounts = accounts
        self.apiKeys = apiKeys
        self.integrations = integrations
        self.workflows = workflows
        self.housekeeping = housekeeping
        self.executions = executions
        self.webhooks = webhooks
        self.clock = clock
    }
}
