import AeolusModel
import Foundation

/// The dictator's status page at `/`: nodes and their probes, recent reactions, errors, and the
/// template graph drawn as SVG. Rendered on the server from the same `DictatorStatus` as
/// `/api/v1/status`, so it needs no script and no token (it shows no secret), and it refreshes
/// itself every few seconds.
public enum StatusPage {
    /// The page for `status`, with each template's condition (`live`, `stale`, `off`).
    public static func render(_ status: DictatorStatus, templates: [String: TemplateCondition], refreshSeconds: Int = 3) -> String {
        let summary = status.summary
        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="refresh" content="\(refreshSeconds)">
        <title>Aeolus dictator</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2733;background:#f7f9fb}
        h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
        .muted{color:#66788a} code{font:12px ui-monospace,monospace}
        table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001;min-width:60%}
        th,td{padding:5px 10px;border-bottom:1px solid #e6ebf0;text-align:left;vertical-align:top}
        th{background:#eef2f6;font-weight:600}
        .live,.active,.expired{color:#16794a;font-weight:600} .failed,.refused,.off{color:#b42318;font-weight:600}
        .pending,.unreported,.stale,.cleared{color:#a15c07;font-weight:600}
        svg{background:#fff;box-shadow:0 1px 2px #0001}
        </style></head><body>
        <h1>Aeolus dictator</h1>
        <div class="muted">revision <code>\(escape(summary.revision.map { String($0.prefix(12)) } ?? "none yet"))</code>
        \(escape(summary.message ?? "")) · branch <code>\(escape(summary.branch))</code> ·
        \(summary.nodes.total) node(s)\(summary.nodes.lost > 0 ? ", \(summary.nodes.lost) lost" : "") ·
        probes: \(summary.probes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))</div>
        \(summary.signedBy.map { "<div class=\"muted\">signed by <code>\(escape($0))</code></div>" } ?? "")
        \(summary.refused.map { "<div id=\"refused\" class=\"refused\">\(escape($0.message))</div>" } ?? "")

        <h2>Template graph</h2>
        \(GraphSVG.render(templates: templates, edges: status.edges, baseline: baselineTemplates(status)))

        """
        html += "<h2>Nodes and probes</h2>\n<table id=\"probes\"><tr><th>node</th><th>probe</th><th>template</th><th>state</th><th>digest</th><th>reason</th></tr>\n"
        for node in status.nodes {
            let name = escape(node.node) + (node.lost ? " <span class=\"failed\">lost</span>" : "")
            if node.probes.isEmpty { html += "<tr><td>\(name)</td><td colspan=5 class=muted>no probes</td></tr>\n" }
            for probe in node.probes {
                html += "<tr><td>\(name)</td><td><code>\(escape(probe.id))</code></td><td>\(escape(probe.template))</td>"
                    + "<td class=\"\(escape(probe.state))\">\(escape(probe.state))</td><td><code>\(escape(String(probe.digest.prefix(19))))…</code></td>"
                    + "<td>\(escape(probe.reason ?? ""))</td></tr>\n"
            }
        }
        html += "</table>\n<h2>Recent reactions</h2>\n"
        if status.reactions.isEmpty {
            html += "<p class=muted>none yet</p>\n"
        } else {
            html += "<table id=\"reactions\"><tr><th>reaction</th><th>edge</th><th>trigger</th><th>deployed</th><th>nodes</th><th>outcome</th><th>expires / ended</th></tr>\n"
            for reaction in status.reactions {
                let parameters = reaction.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                html += "<tr class=\"reaction\"><td><code>\(escape(reaction.id))</code></td><td>\(escape(reaction.edge))</td>"
                    + "<td>\(escape(reaction.trigger.condition))<br><span class=muted>value \(String(format: "%.3g", reaction.trigger.value))</span></td>"
                    + "<td>\(escape(reaction.template))<br><code>\(escape(parameters))</code></td><td>\(escape(reaction.nodes.joined(separator: ", ")))</td>"
                    + "<td class=\"\(reaction.outcome.rawValue)\">\(reaction.outcome.rawValue)\(reaction.reason.map { "<br><span class=muted>\(escape($0))</span>" } ?? "")</td>"
                    + "<td>\(escape(time(reaction.ended ?? reaction.expires)))</td></tr>\n"
            }
            html += "</table>\n"
        }
        if !status.errors.isEmpty {
            html += "<h2>Errors</h2>\n<table id=\"errors\"><tr><th>template</th><th>where</th><th>error</th></tr>\n"
            for report in status.errors {
                for diagnostic in report.errors {
                    html += "<tr><td>\(escape(report.template))</td><td><code>\(escape(diagnostic.location.description))</code></td><td>\(escape(diagnostic.message))</td></tr>\n"
                }
            }
            html += "</table>\n"
        }
        return html + "</body></html>\n"
    }

    /// Templates a policy deploys (the graph's roots).
    static func baselineTemplates(_ status: DictatorStatus) -> Set<String> {
        Set(status.nodes.flatMap(\.probes).filter { $0.id.hasPrefix("policy/") }.map(\.template))
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// The template graph as SVG: templates in columns by drill-down depth (baseline templates and
/// templates no edge leads to first), edges as curves labelled with their condition.
enum GraphSVG {
    static func render(templates: [String: TemplateCondition], edges: [Edge], baseline: Set<String>) -> String {
        let names = Set(templates.keys).union(edges.flatMap { [$0.from, $0.deploy] }).sorted()
        var depth: [String: Int] = [:]
        let targets = Set(edges.map(\.deploy))
        var frontier = names.filter { !targets.contains($0) || baseline.contains($0) }
        for name in frontier { depth[name] = 0 }
        while !frontier.isEmpty {
            var next: [String] = []
            for edge in edges where frontier.contains(edge.from) && depth[edge.deploy] == nil {
                depth[edge.deploy] = depth[edge.from]! + 1
                next.append(edge.deploy)
            }
            frontier = next
        }
        for name in names where depth[name] == nil { depth[name] = 0 } // cycles only
        let columns = Dictionary(grouping: names, by: { depth[$0]! })
        let boxWidth = 170, boxHeight = 34, columnGap = 250, rowGap = 58
        var position: [String: (x: Int, y: Int)] = [:]
        for (column, members) in columns {
            for (row, name) in members.sorted().enumerated() {
                position[name] = (20 + column * (boxWidth + columnGap), 20 + row * rowGap)
            }
        }
        let width = 40 + (columns.keys.max() ?? 0) * (boxWidth + columnGap) + boxWidth
        let height = 40 + (columns.values.map(\.count).max() ?? 1) * rowGap
        var svg = "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"system-ui,sans-serif\" font-size=\"12\">\n"
        svg += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#4a6a8a\"/></marker></defs>\n"
        for edge in edges {
            guard let from = position[edge.from], let to = position[edge.deploy] else { continue }
            let x1 = from.x + boxWidth, y1 = from.y + boxHeight / 2, x2 = to.x, y2 = to.y + boxHeight / 2
            let middle = (x1 + x2) / 2
            svg += "<g class=\"edge\"><path d=\"M\(x1),\(y1) C\(middle),\(y1) \(middle),\(y2) \(x2),\(y2)\" fill=\"none\" stroke=\"#4a6a8a\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>"
            svg += "<text x=\"\(middle)\" y=\"\((y1 + y2) / 2 - 6)\" text-anchor=\"middle\" fill=\"#1d2733\">\(StatusPage.escape(edge.name))</text>"
            svg += "<text x=\"\(middle)\" y=\"\((y1 + y2) / 2 + 8)\" text-anchor=\"middle\" fill=\"#66788a\" font-size=\"10\">\(StatusPage.escape(edge.when.description))</text></g>\n"
        }
        for name in names {
            let (x, y) = position[name]!
            let condition = templates[name]
            let fill = condition == .off ? "#fde8e7" : condition == .stale ? "#fff4e0" : baseline.contains(name) ? "#e3f1ea" : "#eef2f6"
            svg += "<g class=\"template\"><rect x=\"\(x)\" y=\"\(y)\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"6\" fill=\"\(fill)\" stroke=\"#4a6a8a\"/>"
            svg += "<text x=\"\(x + boxWidth / 2)\" y=\"\(y + 21)\" text-anchor=\"middle\">\(StatusPage.escape(name))</text></g>\n"
        }
        return svg + "</svg>"
    }
}
