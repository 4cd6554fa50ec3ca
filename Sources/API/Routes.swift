// The whole HTTP surface, top to bottom. Handlers stay thin: they decode, call a service, encode.
import HTTP
import HTTPCore
import System

/// Registers every route on `r`, each handled by `api`.
public func registerRoutes(on r: Router, _ api: API) {
    r.get("/health")                                { req in api.health(req) }
    r.get("/metrics")                               { req in try api.metricsText(req) }

    // §1 Auth and users
    r.post("/api/auth/sign-up/email")               { req in try api.signUp(&req) }
    r.post("/api/auth/sign-in/email")               { req in try api.signIn(&req) }
    r.post("/api/auth/sign-in/anonymous")           { req in try api.signInAnonymous(&req) }
    r.post("/api/auth/sign-out")                    { req in try api.signOut(&req) }
    r.get("/api/auth/get-session")                  { req in try api.getSession(&req) }
    r.get("/api/user")                              { req in try api.getUser(&req) }
    r.patch("/api/user")                            { req in try api.patchUser(&req) }
    r.post("/api/user/password")                    { req in try api.changePassword(&req) }

    // §2 Workflows, §3.3 catalog
    r.get("/api/workflows")                         { req in try api.listWorkflows(&req) }
    r.post("/api/workflows/create", bodyLimit: .large) { req in try api.createWorkflow(&req) }
    r.get("/api/workflows/{workflowId}")            { req in try api.getWorkflow(&req) }
    r.patch("/api/workflows/{workflowId}", bodyLimit: .large) { req in try api.patchWorkflow(&req) }
    r.delete("/api/workflows/{workflowId}")         { req in try api.deleteWorkflow(&req) }
    r.post("/api/workflows/{workflowId}/duplicate") { req in try api.duplicateWorkflow(&req) }
    r.get("/api/actions")                           { req in try api.listActions(&req) }

    // §6 Executions
    r.post("/api/workflows/{workflowId}/execute")   { req in try api.executeWorkflow(&req) }
    r.post("/api/workflow/{workflowId}/execute")    { req in try api.executeWorkflow(&req) }
    r.get("/api/workflows/{workflowId}/executions") { req in try api.listExecutions(&req) }
    r.delete("/api/workflows/{workflowId}/executions") { req in try api.deleteExecutions(&req) }
    r.get("/api/workflows/executions/{executionId}/status") { req in try api.executionStatus(&req) }
    r.get("/api/workflows/executions/{executionId}/logs")   { req in try api.executionLogs(&req) }
    r.post("/api/workflows/executions/{executionId}/cancel") { req in try api.cancelExecution(&req) }

    // §7 Webhook (CORS on every response of the path)
    r.post(API.webhookPattern, bodyLimit: .webhook)     { req in try api.webhook(&req) }
    r.options(API.webhookPattern)                       { req in try api.webhookPreflight(&req) }
    r.setPathHeaders(API.webhookPattern, API.corsHeaders)

    // §8 Integrations
    r.get("/api/integrations")                      { req in try api.listIntegrations(&req) }
    r.post("/api/integrations")                     { req in try api.createIntegration(&req) }
    r.post("/api/integrations/test")                { req in try api.testUnsavedIntegration(&req) }
    r.get("/api/integrations/{integrationId}")      { req in try api.getIntegration(&req) }
    r.put("/api/integrations/{integrationId}")      { req in try api.updateIntegration(&req) }
    r.delete("/api/integrations/{integrationId}")   { req in try api.deleteIntegration(&req) }
    r.post("/api/integrations/{integrationId}/test") { req in try api.testSavedIntegration(&req) }

    // §9 API keys
    r.get("/api/api-keys")                          { req in try api.listAPIKeys(&req) }
    r.post("/api/api-keys")                         { req in try api.createAPIKey(&req) }
    r.delete("/api/api-keys/{keyId}")               { req in try api.deleteAPIKey(&req) }
}
