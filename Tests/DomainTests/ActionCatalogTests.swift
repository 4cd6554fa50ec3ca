// The node catalog (SPEC §3.2, §3.3) as `GET /api/actions` renders it.
import JSON
import Testing
@testable import Domain

@Suite struct ActionCatalogTests {
    static let ids = ["HTTP Request", "Condition", "Database Query", "ai-gateway/generate-text", "ai-gateway/generate-image",
                      "slack/send-message", "resend/send-email", "linear/create-ticket", "linear/find-issues",
                      "firecrawl/scrape", "firecrawl/search", "github/create-issue"]
    static let labels = ["HTTP Request", "Condition", "Database Query", "Generate Text", "Generate Image", "Send Slack Message",
                         "Send Email", "Create Ticket", "Find Issues", "Scrape URL", "Search Web", "Create GitHub Issue"]
    static let legacy: [[String]] = [[], [], [], ["Generate Text"], ["Generate Image"], ["Send Slack Message"], ["Send Email"],
                                     ["Create Ticket"], ["Find Issues"], ["Scrape"], ["Search"], []]
    static let integrationTypes: [JSON] = [.null, .null, "database", "ai-gateway", "ai-gateway", "slack", "resend", "linear",
                                           "linear", "firecrawl", "firecrawl", "github"]
    /// Config fields of §3.2, in order; `*` = required.
    static let fields: [[String]] = [
        ["endpoint*", "httpMethod", "httpHeaders", "httpBody"],
        ["condition*"],
        ["dbQuery*", "dbSchema"],
        ["aiPrompt*", "aiModel", "aiFormat", "aiSchema"],
        ["imagePrompt*", "imageModel"],
        ["slackChannel*", "slackMessage*"],
        ["emailTo*", "emailSubject*", "emailBody*", "emailFrom", "emailCc", "emailBcc", "emailReplyTo", "emailScheduledAt"],
        ["ticketTitle*", "ticketDescription", "ticketPriority"],
        ["linearAssigneeId", "linearTeamId", "linearStatus", "linearLabel"],
        ["url*"],
        ["query*", "limit"],
        ["githubOwner*", "githubRepo*", "issueTitle*", "issueBody", "issueLabels", "issueAssignees"],
    ]

    @Test func catalogJSON() throws {
        let json = try JSON.parse(ActionCatalog.json)
        #expect(Shape.keys(json) == ["triggers", "actions"])
        let actions = try #require(json["actions"]?.array)
        #expect(actions.count == 12)
        #expect(actions.map { $0["id"]?.string ?? "" } == Self.ids)
        #expect(actions.map { $0["label"]?.string ?? "" } == Self.labels)
        #expect(actions.map { $0["legacyLabels"]?.array?.compactMap(\.string) ?? ["?"] } == Self.legacy)
        #expect(actions.map { $0["integrationType"] ?? "missing" } == Self.integrationTypes)
        let allowedTypes: Set = ["text", "textarea", "number", "boolean", "select", "json", "expression", "sql"]
        for (i, a) in actions.enumerated() {
            #expect(Shape.keys(a) == ["id", "label", "legacyLabels", "integrationType", "fields", "outputs"])
            let fs = a["fields"]?.array ?? []
            #expect(fs.map { ($0["key"]?.string ?? "") + ($0["required"] == true ? "*" : "") } == Self.fields[i], "\(Self.ids[i])")
            for f in fs {
                #expect(Array(Shape.keys(f).prefix(4)) == ["key", "label", "type", "required"])
                let type = f["type"]?.string ?? ""
                #expect(allowedTypes.contains(type), "\(f.text)")
                let label = f["label"]?.string ?? ""
                #expect(label.count > 0, "\(f.text)")
                #expect((f["type"] == "select") == (f["options"] != nil), "\(f.text)")
            }
            let outputs = a["outputs"]?.array ?? []
            #expect(outputs.count > 0)
        }
        // §3.3's example entries, exactly.
        let slack = actions[5]
        #expect(slack["fields"]?[0]?.text == ##"{"key":"slackChannel","label":"Channel","type":"text","required":true,"example":"#general"}"##)
        #expect(slack["outputs"] == ["success", "ts", "channel"])
        let triggers = try #require(json["triggers"]?.array)
        #expect(triggers.map { $0["type"]?.string ?? "" } == ["Manual", "Webhook", "Schedule"])
        for t in triggers { #expect(Shape.keys(t) == ["type", "label", "fields"]) }
        #expect(triggers[2]["label"] == "Schedule")
        #expect(triggers[2]["fields"]?[0]?.text
                == #"{"key":"scheduleCron","label":"Cron","type":"text","required":true,"example":"0 9 * * *"}"#)
        #expect(triggers[2]["fields"]?.array?.map { $0["key"]?.string ?? "" } == ["scheduleCron", "scheduleTimezone", "catchUp"])
        #expect(triggers[2]["fields"]?[1]?["default"] == "UTC" && triggers[2]["fields"]?[2]?["default"] == false)
        #expect(triggers[1]["fields"]?.array?.map { $0["key"]?.string ?? "" } == ["webhookSchema", "webhookMockRequest"])
        // Select options and defaults of §3.2.
        func field(_ action: Int, _ key: String) -> JSON? { actions[action]["fields"]?.array?.first { $0["key"]?.string == key } }
        #expect(field(0, "httpMethod")?["options"] == ["GET", "POST", "PUT", "PATCH", "DELETE"])
        #expect(field(0, "httpMethod")?["default"] == "GET")
        #expect(field(3, "aiFormat")?["options"] == ["text", "object"] && field(3, "aiFormat")?["default"] == "text")
        #expect(field(3, "aiModel")?["default"] == "gpt-4o-mini" && field(4, "imageModel")?["default"] == "gpt-image-1")
        #expect(field(7, "ticketPriority")?["options"] == ["0", "1", "2", "3", "4"] && field(7, "ticketPriority")?["default"] == "2")
        #expect(field(8, "linearStatus")?["options"] == ["any", "backlog", "todo", "in_progress", "done", "canceled"])
        #expect(field(10, "limit")?["default"] == 5)
    }

    @Test func resolve() {
        #expect(ActionCatalog.resolve("firecrawl/scrape")?.id == "firecrawl/scrape")
        #expect(ActionCatalog.resolve("Scrape")?.id == "firecrawl/scrape")
        #expect(ActionCatalog.resolve("Scrape URL")?.id == "firecrawl/scrape")
        #expect(ActionCatalog.resolve("Search Web")?.id == "firecrawl/search")
        #expect(ActionCatalog.resolve("Send Slack Message")?.id == "slack/send-message")
        #expect(ActionCatalog.resolve("Create GitHub Issue")?.id == "github/create-issue")
        #expect(ActionCatalog.resolve("HTTP Request")?.integrationType == nil)
        #expect(ActionCatalog.resolve("http request") == nil)
        #expect(ActionCatalog.resolve("") == nil)
        #expect(ActionCatalog.resolve("Unknown") == nil)
        for (id, label) in zip(Self.ids, Self.labels) {
            #expect(ActionCatalog.resolve(id)?.id == id)
            #expect(ActionCatalog.resolve(label)?.id == id)
        }
    }
}
