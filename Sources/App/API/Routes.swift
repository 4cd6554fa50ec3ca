// The whole HTTP surface, top to bottom. Handlers stay thin: they decode, call a service, encode.
import HTTP

/// Registers every route on `router`. `box.app` is set before the first request arrives.
func registerRoutes(on r: Router, _ box: ApplicationBox) {
    r.get("/health")                                { req in box.app.health(req) }
    r.get("/metrics")                               { req in try box.app.metricsText(req) }

    // §1 Auth and users
    r.post("/api/auth/sign-up/email")               { req in try box.app.signUp(&req) }
    r.post("/api/auth/sign-in/email")               { req in try box.app.signIn(&req) }
    r.post("/api/auth/sign-in/anonymous")           { req in try box.app.signInAnonymous(&req) }
    r.post("/api/auth/sign-out")                    { req in try box.app.signOut(&req) }
    r.get("/api/auth/get-session")                  { req in try box.app.getSession(&req) }
    r.get("/api/user")                              { req in try box.app.getUser(&req) }
    r.patch("/api/user")                            { req in try box.app.patchUser(&req) }

    // §2 Workflows, §3.3 catalog
    r.get("/api/workflows")                         { req in try box.app.listWorkflows(&req) }
    r.post("/api/workflows/create", bodyLimit: .large) { req in try box.app.createWorkflow(&req) }
    r.get("/api/workflows/{workflowId}")            { req in try box.app.getWorkflow(&req) }
    r.patch("/api/workflows/{workflowId}", bodyLimit: .large) { req in try box.app.patchWorkflow(&req) }
    r.delete("/api/workflows/{workflowId}")         { req in try box.app.deleteWorkflow(&req) }
    r.post("/api/workflows/{workflowId}/duplicate") { req in try box.app.duplicateWorkflow(&req) }
    r.get("/api/actions")                           { req in try box.app.listActions(&req) }

    // §8 Integrations
    r.get("/api/integrations")                      { req in try box.app.listIntegrations(&req) }
    r.post("/api/integrations")                     { req in try box.app.createIntegration(&req) }
    r.post("/api/integrations/test")                { req in try box.app.testUnsavedIntegration(&req) }
    r.get("/api/integrations/{integrationId}")      { req in try box.app.getIntegration(&req) }
    r.put("/api/integrations/{integrationId}")      { req in try box.app.updateIntegration(&req) }
    r.delete("/api/integrations/{integrationId}")   { req in try box.app.deleteIntegration(&req) }
    r.post("/api/integrations/{integrationId}/test") { req in try box.app.testSavedIntegration(&req) }

    // §9 API keys
    r.get("/api/api-keys")                          { req in try box.app.listAPIKeys(&req) }
    r.post("/api/api-keys")                         { req in try box.app.createAPIKey(&req) }
    r.delete("/api/api-keys/{keyId}")               { req in try box.app.deleteAPIKey(&req) }
}
