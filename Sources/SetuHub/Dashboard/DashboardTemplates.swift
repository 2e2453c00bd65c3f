import Mustache

/// The dashboard's pages, as Mustache templates (HTML-escaped by default:
/// office names and errors are data). Kept in the binary, not beside it, so
/// an installed setu-hub needs no resource directory. No external assets
/// and no JavaScript: the style sheet is inline, every action is a link or
/// a form, so it works in any browser a district office has.
enum DashboardTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [("head", head), ("foot", foot), ("rows", rows), ("summary", summary), ("nodes", nodes),
                             ("node", node), ("login", login)] {
            try library.register(text, named: name)
        }
        return library
    }

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Setu hub</title>
        <style>
        body { font-family: system-ui, "Noto Sans Bengali", "Lohit Bengali", sans-serif; margin: 0; color: #1b1b1b; background: #f6f7f8; }
        header { background: #0b5d3b; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
        header a { color: #fff; } header .brand { font-weight: bold; text-decoration: none; margin-right: auto; }
        header form { margin: 0; } header button { font: inherit; }
        main { padding: .75rem 1rem; max-width: 90rem; }
        h1 { font-size: 1.35rem; margin: .25rem 0 .75rem; } h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .5rem; }
        .card { background: #fff; border: 1px solid #d8dde1; border-radius: 4px; padding: .5rem .75rem; }
        .card .n { font-size: 1.5rem; font-weight: bold; display: block; } .card .what { font-size: .85rem; color: #4a4f55; }
        .scroll { overflow-x: auto; background: #fff; border: 1px solid #d8dde1; }
        table { border-collapse: collapse; width: 100%; font-size: .875rem; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e6e9ec; white-space: nowrap; vertical-align: top; }
        th { background: #eef1f3; } td.num { text-align: right; } td.wrap { white-space: normal; min-width: 12rem; }
        .state { font-weight: bold; } .state-ok { color: #0b6b2e; } .state-behind { color: #5a5f00; }
        .state-stale, .state-never, .state-error { color: #a30d0d; } .state-attention, .state-clock_skew { color: #8a4b00; } .state-revoked { color: #666; }
        form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: .5rem; }
        form.filters label { display: flex; flex-direction: column; font-size: .8rem; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff; border: 1px solid #d8dde1; padding: .75rem; }
        dt { font-weight: bold; } dd { margin: 0; }
        .problems li { margin: .2rem 0; } .error { color: #a30d0d; }
        .pages { margin: .5rem 0; display: flex; gap: 1rem; }
        footer { padding: .5rem 1rem; color: #666; font-size: .8rem; }
        </style>
        </head>
        <body>
        <header><a class="brand" href="/admin">সেতু · Setu hub</a>
        {{#admin}}<a href="/admin">Summary</a> <a href="/admin/nodes">All offices</a>
        <form method="post" action="/admin/logout"><button type="submit">Sign out ({{admin}})</button></form>{{/admin}}
        </header>
        <main>
        """

    static let foot = """
        </main>
        <footer>Setu hub {{version}} · as of {{generatedAt}} (hub time, UTC) · activity is written every few seconds</footer>
        </body>
        </html>
        """

    /// Node rows, shared by the summary and the full list.
    static let rows = """
        <div class="scroll"><table>
        <thead><tr><th>Node</th><th>State</th><th>Office name</th><th>Last seen</th><th>Lag</th><th>Pending</th><th>Oldest unsent</th>
        <th>Conflicts</th><th>Set aside</th><th>Version</th><th>Clock</th><th>Offices</th></tr></thead>
        <tbody>
        {{#rows}}<tr data-node="{{node}}"><td><a href="/admin/nodes/{{node}}">{{node}}</a></td><td class="state state-{{state}}">{{state}}</td>
        <td lang="bn">{{name}}</td><td>{{lastSeen}}</td><td class="num">{{lag}}</td><td class="num">{{pending}}</td><td>{{oldestUnsent}}</td>
        <td class="num">{{conflicts}}</td><td class="num">{{setAside}}</td><td>{{version}}</td><td>{{skew}}</td><td>{{offices}}</td></tr>
        {{/rows}}{{^rows}}<tr><td colspan="12">No office matches.</td></tr>{{/rows}}
        </tbody></table></div>
        """

    static let summary = """
        {{> head}}
        <h1>Fleet</h1>
        <div class="cards">
        {{#cards}}<div class="card" data-card="{{key}}"><span class="n">{{value}}</span><span class="what">{{label}}</span></div>{{/cards}}
        </div>
        <h2>Stalest offices</h2>
        {{> rows}}
        <p><a href="/admin/nodes">All {{total}} offices</a> · <a href="/admin/nodes?stale=24h">not seen for a day</a> ·
        <a href="/admin/nodes?stale=7d">not seen for a week</a></p>
        <h2>By district</h2>
        <div class="scroll"><table>
        <thead><tr><th>District</th><th>Offices</th><th>Not seen for a day</th><th>Needing attention</th><th>Pending</th><th>Conflicts</th></tr></thead>
        <tbody>
        {{#districts}}<tr data-district="{{name}}"><td><a href="/admin/nodes?district={{name}}">{{name}}</a></td><td class="num">{{nodes}}</td>
        <td class="num">{{stale}}</td><td class="num">{{problems}}</td><td class="num">{{pending}}</td><td class="num">{{conflicts}}</td></tr>
        {{/districts}}
        </tbody></table></div>
        {{> foot}}
        """

    static let nodes = """
        {{> head}}
        <h1>{{heading}}</h1>
        {{#message}}<p class="error">{{message}}</p>{{/message}}
        <form class="filters" method="get" action="/admin/nodes">
        <label>Not seen for <input name="stale" value="{{stale}}" placeholder="24h" size="6"></label>
        <label>Office code starts with <input name="office" value="{{office}}" placeholder="district:khulna" size="18"></label>
        <label>District <input name="district" value="{{district}}" size="12"></label>
        <label>State <select name="state"><option value="">any</option>
        {{#states}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/states}}</select></label>
        <button type="submit">Show</button>
        </form>
        <p>{{count}} offices{{#pageInfo}}, {{pageInfo}}{{/pageInfo}}; stalest first.</p>
        {{> rows}}
        <div class="pages">{{#previous}}<a href="{{previous}}">← previous</a>{{/previous}}{{#next}}<a href="{{next}}">next →</a>{{/next}}</div>
        {{> foot}}
        """

    static let node = """
        {{> head}}
        <h1>{{node}} <span lang="bn">{{name}}</span></h1>
        {{#hasProblems}}<h2>What is wrong</h2><ul class="problems">{{#problems}}<li class="error">{{.}}</li>{{/problems}}</ul>{{/hasProblems}}
        <dl>
        {{#facts}}<dt>{{label}}</dt><dd data-fact="{{key}}">{{value}}</dd>
        {{/facts}}
        </dl>
        {{> foot}}
        """

    static let login = """
        {{> head}}
        <h1>Sign in</h1>
        {{#message}}<p class="error">{{message}}</p>{{/message}}
        <form method="post" action="/admin/login">
        <p><label>Admin token<br><input type="password" name="token" size="60" autocomplete="off" required></label></p>
        <p><button type="submit">Sign in</button></p>
        </form>
        <p>An admin token comes from <code>setu-hub admin add NAME</code> on the hub. Node tokens do not open this page.</p>
        {{> foot}}
        """
}
