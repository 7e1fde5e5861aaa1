import GateKit

/// A Grafana dashboard in the classic JSON model, as much of it as the rules read: panels at
/// the top level, inside collapsed rows, and in legacy `rows[]`; their targets; the
/// variables; the datasource placeholders of exported dashboards.
public struct Dashboard: Sendable {
    public struct GridPos: Sendable, Equatable {
        public var x: Double, y: Double, w: Double, h: Double
    }

    public struct Target: Sendable {
        public var index: Int
        public var refId: String?
        public var expr: String?
        public var datasource: JSONTree?
        public var hidden: Bool
        /// An instant query (`instant: true` without `range: true`): its result may be any
        /// type; a range query's must be a scalar or an instant vector.
        public var instant: Bool = false
    }

    public struct Panel: Sendable {
        public var id: Double?
        public var title: String
        public var type: String
        public var gridPos: GridPos?
        public var datasource: JSONTree?
        public var targets: [Target]
        public var isLibraryPanel: Bool
        /// 0 for the top level; for children of a collapsed row, the row's position + 1.
        public var layer: Int
        public var legacy: Bool

        public var label: String {
            "panel \(id.map { Measurement.format($0) } ?? "?")\(title.isEmpty ? "" : " '\(title)'")"
        }
    }

    public struct Variable: Sendable {
        public var name: String
        public var type: String
        public var query: String?
        public var current: String?
        public var datasource: JSONTree?
    }

    public var tree: JSONTree
    public var title: String?
    public var uid: String?
    public var schemaVersion: Double?
    public var panels: [Panel] = []
    public var variables: [Variable] = []
    /// `__inputs` names (DS_PROMETHEUS …), referenced as `${NAME}`.
    public var inputs: Set<String> = []

    public init(_ tree: JSONTree) {
        self.tree = tree
        title = tree["title"]?.string
        uid = tree["uid"]?.string
        schemaVersion = tree["schemaVersion"]?.number
        for input in tree["__inputs"]?.array ?? [] { if let name = input["name"]?.string { inputs.insert(name) } }
        for variable in tree["templating"]?["list"]?.array ?? [] {
            guard let name = variable["name"]?.string else { continue }
            let query = variable["query"]?.string ?? variable["query"]?["query"]?.string ?? variable["definition"]?.string
            var current = variable["current"]?["value"]?.string
            if current == nil, let values = variable["current"]?["value"]?.array { current = values.first?.string }
            variables.append(Variable(name: name, type: variable["type"]?.string ?? "", query: query, current: current, datasource: variable["datasource"]))
        }
        var layer = 0
        for panel in tree["panels"]?.array ?? [] {
            panels.append(Self.panel(panel, layer: 0, legacy: false))
            if panel["type"]?.string == "row", let children = panel["panels"]?.array, !children.isEmpty {
                layer += 1
                for child in children { panels.append(Self.panel(child, layer: layer, legacy: false)) }
            }
        }
        for row in tree["rows"]?.array ?? [] {
            for panel in row["panels"]?.array ?? [] { panels.append(Self.panel(panel, layer: 0, legacy: true)) }
        }
    }

    static func panel(_ node: JSONTree, layer: Int, legacy: Bool) -> Panel {
        var gridPos: GridPos?
        if let grid = node["gridPos"], grid.isObject {
            // Grafana's defaults for missing keys.
            gridPos = GridPos(x: grid["x"]?.number ?? 0, y: grid["y"]?.number ?? 0, w: grid["w"]?.number ?? 12, h: grid["h"]?.number ?? 9)
        }
        let targets = (node["targets"]?.array ?? []).enumerated().map { index, target in
            Target(index: index, refId: target["refId"]?.string, expr: target["expr"]?.string, datasource: target["datasource"],
                   hidden: target["hide"]?.bool ?? false,
                   instant: target["instant"]?.bool == true && target["range"]?.bool != true)
        }
        return Panel(id: node["id"]?.number, title: node["title"]?.string ?? "", type: node["type"]?.string ?? "", gridPos: gridPos,
                     datasource: node["datasource"], targets: targets, isLibraryPanel: node["libraryPanel"] != nil, layer: layer, legacy: legacy)
    }
}
