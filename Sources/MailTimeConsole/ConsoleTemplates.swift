/// The console's mustache templates. Every value is written with `{{…}}`, which HTML-escapes it; the
/// only `{{{…}}}` is the layout's `body`, itself a page rendered from these templates.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout,
        "login": login,
        "overview": overview,
        "emails": emails,
        "email": email,
        "providers": providers,
        "error": error,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · MailTime</title>
        <link rel="stylesheet" href="/assets/console.css">
        <script src="/assets/console.js" defer></script>
        </head>
        <body id="page-{{page}}"{{#live}} data-live="/events"{{/live}}>
        {{#session}}
        <header><nav>
        <span class="brand">MailTime</span>
        <a href="/" id="nav-overview">Overview</a>
        <a href="/emails" id="nav-emails">Emails</a>
        <a href="/providers" id="nav-providers">Providers</a>
        <span class="role" id="session-role">{{role}}</span>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="logout">Log out</button></form>
        </nav></header>
        {{/session}}
        <main>
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <div class="login">
        <h1>MailTime console</h1>
        {{#problem}}<p class="error" id="login-error">{{problem}}</p>{{/problem}}
        <form method="post" action="/login" id="login-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="token">Admin or viewer token</label>
        <input type="password" name="token" id="token" autocomplete="current-password" required autofocus>
        <button type="submit" id="login-submit">Log in</button>
        </form>
        <p class="muted">The broker's tokens: <code>tokens.admin</code> (or admin.token in the data directory), <code>tokens.viewer</code> for read-only access.</p>
        </div>
        """

    static let overview = """
        <h1>Overview</h1>
        <div class="counts" id="counts">
        {{#counts}}<div class="count" data-state="{{state}}"><a href="/emails?state={{state}}"><span class="value" id="count-{{state}}">{{count}}</span>{{state}}</a></div>{{/counts}}
        </div>
        <p>Oldest ready email: <strong id="oldest-ready-age">{{oldestReadyAge}}</strong> ·
        Delivery: <strong id="delivery-state">{{delivery}}</strong> ·
        Updates: <span id="live-state">connecting</span></p>
        <h2>Sent, deferred and failed per minute, last hour</h2>
        <canvas class="chart" id="throughput-chart" data-series="{{series}}"></canvas>
        <p class="legend"><span class="sent">— sent</span><span class="deferred">— deferred</span><span class="failed">— failed</span></p>
        <h2>Providers</h2>
        {{#hasProviders}}
        <table id="provider-health"><thead><tr><th>Provider</th><th>Circuit</th><th>Sent</th><th>Failures</th><th>Failures in a row</th><th>Last error</th></tr></thead><tbody>
        {{#providers}}<tr data-provider="{{name}}"><td>{{name}}</td><td class="provider-state {{stateClass}}">{{state}}</td><td class="provider-sent">{{sent}}</td><td class="provider-failures">{{failures}}</td><td>{{consecutiveFailures}}</td><td class="provider-error">{{lastError}}</td></tr>{{/providers}}
        </tbody></table>
        {{/hasProviders}}
        {{^hasProviders}}<p class="muted" id="no-providers">No SMTP providers: the embedded senders write to the outbox (or there are none).</p>{{/hasProviders}}
        <h2>Recent events</h2>
        <ul class="events" id="recent-events"></ul>
        """

    static let emails = """
        <h1>Emails: <span id="filter-heading">{{heading}}</span></h1>
        <p id="state-links">{{#states}}<a href="/emails?state={{name}}" id="state-{{name}}"{{#current}} class="current"{{/current}}>{{name}}</a> {{/states}}</p>
        <form method="get" action="/emails" id="filter-form" class="filters">
        <label>State <select name="state" id="filter-state"><option value="">any</option>{{#states}}<option value="{{name}}"{{#current}} selected{{/current}}>{{name}}</option>{{/states}}</select></label>
        <label>Recipient <input name="recipient" id="filter-recipient" value="{{recipient}}"></label>
        <label>Domain <input name="domain" id="filter-domain" value="{{domain}}"></label>
        <label>Sender <input name="sender" id="filter-sender" value="{{sender}}"></label>
        <label>Tag <input name="tag" id="filter-tag" value="{{tag}}"></label>
        <label>Provider <input name="provider" id="filter-provider" value="{{provider}}"></label>
        <label>Error code <input name="error-code" id="filter-error-code" value="{{errorCode}}" placeholder="SMTP_TEMPORARY"></label>
        <label>Created from <input name="created-from" id="filter-created-from" value="{{createdFrom}}" inputmode="numeric" placeholder="Unix ms"></label>
        <label>Created before <input name="created-to" id="filter-created-to" value="{{createdTo}}" inputmode="numeric" placeholder="Unix ms"></label>
        <button type="submit" id="filter-submit">Filter</button> <a href="/emails" id="filter-clear">Clear</a>
        </form>
        {{#bulk}}
        <p id="bulk-actions">Every email matching the filter:
        {{#requeue}}<form method="post" action="/emails/requeue" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">{{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}<button type="submit" id="bulk-requeue">Requeue</button></form>{{/requeue}}
        {{#cancel}}<form method="post" action="/emails/cancel" class="inline" data-confirm="Cancel every email matching the filter?"><input type="hidden" name="csrf" value="{{csrf}}">{{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}<button type="submit" class="secondary" id="bulk-cancel">Cancel</button></form>{{/cancel}}
        {{#purge}}<form method="post" action="/emails/purge" class="inline" data-confirm="Delete every sent, failed or cancelled email matching the filter?"><input type="hidden" name="csrf" value="{{csrf}}">{{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}<button type="submit" class="secondary" id="bulk-purge">Purge</button></form>{{/purge}}
        </p>
        {{/bulk}}
        {{#requeueFailed}}
        <form method="post" action="/emails/requeue-failed" data-confirm="Requeue every failed email?" id="requeue-failed-form">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="requeue-failed">Requeue all failed</button>
        </form>
        {{/requeueFailed}}
        <table id="email-list"><thead><tr><th>Id</th><th>State</th><th>Attempts</th><th>Created</th><th>Updated</th><th>Last error</th></tr></thead><tbody>
        {{#rows}}<tr data-email-id="{{id}}"><td><a href="/emails/{{id}}">{{id}}</a></td><td>{{state}}</td><td>{{attempts}}</td><td>{{created}}</td><td>{{updated}}</td><td>{{lastError}}</td></tr>{{/rows}}
        </tbody></table>
        {{^rows}}<p class="muted" id="no-emails">No emails match{{#after}} after this point{{/after}}.</p>{{/rows}}
        {{#next}}<p><a href="{{next}}" id="next-page">Next page</a></p>{{/next}}
        """

    static let email = """
        <h1>Email <span id="email-id" data-email-id="{{id}}">{{id}}</span></h1>
        <dl class="fields" id="email-status">
        <dt>State</dt><dd id="email-state">{{state}}{{#cancelRequested}} (cancel requested){{/cancelRequested}}</dd>
        <dt>Attempts</dt><dd id="email-attempt-count">{{attempts}}</dd>
        <dt>Priority</dt><dd>{{priority}}</dd>
        <dt>Created</dt><dd>{{created}}</dd>
        <dt>Updated</dt><dd>{{updated}}</dd>
        {{#notBefore}}<dt>Next attempt</dt><dd>{{notBefore}}</dd>{{/notBefore}}
        {{#finished}}<dt>Finished</dt><dd>{{finished}}</dd>{{/finished}}
        {{#lease}}<dt>Leased by</dt><dd>{{owner}} until {{deadline}}</dd>{{/lease}}
        {{#idempotencyKey}}<dt>Idempotency key</dt><dd>{{idempotencyKey}}</dd>{{/idempotencyKey}}
        </dl>
        {{#mayAct}}
        <p id="email-actions">
        {{#mayRequeue}}<form method="post" action="/emails/{{id}}/requeue" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="action-requeue">Retry now (requeue)</button></form>{{/mayRequeue}}
        {{#mayCancel}}<form method="post" action="/emails/{{id}}/cancel" class="inline" data-confirm="Cancel this email?"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary" id="action-cancel">Cancel</button></form>{{/mayCancel}}
        </p>
        {{/mayAct}}
        {{#lastError}}
        <h2>Last error</h2>
        <p class="error" id="last-error"><strong>{{code}}</strong> {{text}}{{#provider}} (provider {{provider}}){{/provider}}{{#at}} at {{at}}{{/at}}</p>
        {{/lastError}}
        <h2>Attempts</h2>
        <ol class="attempts" id="email-attempts" reversed>
        {{#history}}<li class="attempt" data-outcome="{{outcome}}" data-provider="{{provider}}">
        <strong class="attempt-number">#{{number}}</strong> <span class="attempt-outcome {{outcome}}">{{outcome}}</span> at <span class="attempt-time">{{at}}</span>
        · provider <span class="attempt-provider">{{provider}}</span>{{#duration}} · <span class="attempt-duration">{{duration}}</span>{{/duration}}
        {{#error}}<p class="error attempt-error"><strong>{{code}}</strong> {{text}}</p>{{/error}}
        {{#hasRecipients}}<table class="attempt-recipients"><tbody>{{#recipients}}<tr><td>{{address}}</td><td>{{code}}</td><td>{{reply}}</td></tr>{{/recipients}}</tbody></table>{{/hasRecipients}}
        </li>{{/history}}
        </ol>
        {{^history}}<p class="muted" id="no-attempts">No attempt has ended yet.</p>{{/history}}
        {{#dropped}}<p class="muted" id="attempts-dropped">older attempts dropped: {{dropped}}</p>{{/dropped}}
        {{#hasRecipients}}
        <h2>Recipients</h2>
        <table id="recipient-results"><thead><tr><th>Address</th><th>Accepted</th><th>Code</th><th>Reply</th></tr></thead><tbody>
        {{#recipients}}<tr><td>{{address}}</td><td>{{accepted}}</td><td>{{code}}</td><td>{{reply}}</td></tr>{{/recipients}}
        </tbody></table>
        {{/hasRecipients}}
        {{#content}}
        <h2>Envelope</h2>
        <dl class="fields" id="email-envelope">
        {{#submitted}}<dt>Received</dt><dd>over SMTP submission; shown as received</dd>{{/submitted}}
        <dt>From</dt><dd id="email-from">{{from}}</dd>
        {{#to}}<dt>To</dt><dd class="email-to">{{.}}</dd>{{/to}}
        {{#cc}}<dt>Cc</dt><dd class="email-cc">{{.}}</dd>{{/cc}}
        {{#bcc}}<dt>Bcc</dt><dd class="email-bcc">{{.}}</dd>{{/bcc}}
        {{#replyTo}}<dt>Reply-To</dt><dd>{{.}}</dd>{{/replyTo}}
        <dt>Subject</dt><dd id="email-subject">{{subject}}</dd>
        {{#messageID}}<dt>Message-ID</dt><dd>{{messageID}}</dd>{{/messageID}}
        {{#tags}}<dt>Tag</dt><dd class="email-tag">{{.}}</dd>{{/tags}}
        </dl>
        {{#hasHeaders}}
        <h2>Headers</h2>
        <table id="email-headers"><tbody>{{#headers}}<tr><th>{{name}}</th><td>{{value}}</td></tr>{{/headers}}</tbody></table>
        {{/hasHeaders}}
        {{#text}}<h2>Text</h2><pre id="email-text">{{text}}</pre>{{/text}}
        {{#hasHTML}}
        <h2>HTML</h2>
        <iframe class="preview" id="email-preview" sandbox src="/emails/{{id}}/preview" title="HTML preview (scripts and remote content blocked)"></iframe>
        <details><summary>HTML source</summary><pre id="email-html-source">{{html}}</pre></details>
        {{/hasHTML}}
        {{#hasAttachments}}
        <h2>Attachments</h2>
        <table id="email-attachments"><thead><tr><th>File name</th><th>Type</th><th>Bytes</th><th>Inline</th></tr></thead><tbody>
        {{#attachments}}<tr><td>{{filename}}</td><td>{{contentType}}</td><td>{{size}}</td><td>{{inline}}</td></tr>{{/attachments}}
        </tbody></table>
        {{/hasAttachments}}
        {{/content}}
        {{^content}}<p class="muted" id="no-content">The email's body is no longer stored (body retention).</p>{{/content}}
        """

    static let providers = """
        <h1>Providers</h1>
        <p>Delivery: <strong id="delivery-state" class="{{deliveryClass}}">{{delivery}}</strong></p>
        {{#mayAct}}
        {{#deliveryPaused}}<form method="post" action="/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="resume">Resume all senders</button></form>{{/deliveryPaused}}
        {{^deliveryPaused}}<form method="post" action="/pause" class="inline" data-confirm="Pause every embedded sender?"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary" id="pause">Pause all senders</button></form>{{/deliveryPaused}}
        {{/mayAct}}
        {{#providers}}
        <section class="provider" data-provider="{{name}}">
        <h2>{{name}} <span class="provider-state {{stateClass}}" id="provider-state-{{index}}">{{state}}</span></h2>
        {{#mayAct}}
        {{#paused}}<form method="post" action="/providers/{{path}}/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="provider-resume" id="provider-resume-{{index}}">Resume this provider</button></form>{{/paused}}
        {{^paused}}<form method="post" action="/providers/{{path}}/pause" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary provider-pause" id="provider-pause-{{index}}">Pause this provider</button></form>{{/paused}}
        {{/mayAct}}
        <dl class="fields" id="provider-{{index}}">
        {{#settings}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/settings}}
        <dt>Sent</dt><dd>{{sent}}</dd>
        <dt>Failures</dt><dd>{{failures}} ({{consecutiveFailures}} in a row)</dd>
        <dt>Last error</dt><dd>{{lastError}}</dd>
        </dl>
        </section>
        {{/providers}}
        {{^providers}}<p class="muted" id="no-providers">No SMTP providers are configured: the embedded senders write to the outbox in the data directory (or there are none).</p>{{/providers}}
        """

    static let error = """
        <h1>{{heading}}</h1>
        <p class="error" id="error-message">{{message}}</p>
        <p><a href="/">Overview</a></p>
        """
}
