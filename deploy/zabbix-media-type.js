// Zabbix → helpdesk: the script of a Webhook media type (Administration → Media types →
// Create media type → Type: Webhook). Its parameters:
//   url          https://helpdesk.example.com/api/v1/alerts/zabbix/
//   token        the monitoring account's API token
//   event_id     {EVENT.ID}
//   event_value  {EVENT.VALUE}          (1: problem, 0: recovered)
//   event_name   {EVENT.NAME}
//   severity     {EVENT.SEVERITY}
//   host         {HOST.NAME}
//   message      {ALERT.MESSAGE}
//   event_url    {$ZABBIX.URL}/tr_events.php?triggerid={TRIGGER.ID}&eventid={EVENT.ID}
//   tags         {EVENT.TAGSJSON}
// A problem and its recovery carry the same {EVENT.ID}: the helpdesk's key for one ticket.
// A tag "category" (or "service") naming a helpdesk category files the ticket there.

function helpdeskPayload(params) {
    var labels = {};
    var tags = [];
    try {
        tags = JSON.parse(params.tags || "[]");
    } catch (error) {
        tags = [];
    }
    for (var i = 0; i < tags.length; i++) {
        if (tags[i] && tags[i].tag) {
            labels[String(tags[i].tag)] = String(tags[i].value || "");
        }
    }
    var text = function (value) {
        value = String(value === undefined || value === null ? "" : value);
        // Macros Zabbix could not resolve come through as written: send nothing instead.
        return /^\{[A-Z0-9_.$]+\}$/.test(value) ? "" : value;
    };
    return {
        alerts: [
            {
                key: "zabbix-" + text(params.event_id),
                status: String(params.event_value) === "0" ? "resolved" : "firing",
                name: text(params.event_name).substring(0, 200) || "Zabbix problem",
                severity: text(params.severity),
                host: text(params.host).substring(0, 253),
                summary: text(params.event_name).substring(0, 1000),
                description: text(params.message).substring(0, 20000),
                labels: labels,
                url: text(params.event_url).substring(0, 2000)
            }
        ]
    };
}

var params = JSON.parse(value);
var request = new HttpRequest();
request.addHeader("Content-Type: application/json");
request.addHeader("Authorization: Bearer " + params.token);
var answer = request.post(params.url, JSON.stringify(helpdeskPayload(params)));
if (request.getStatus() !== 202) {
    Zabbix.log(3, "[helpdesk] " + request.getStatus() + ": " + answer);
    throw "The helpdesk answered " + request.getStatus() + ": " + answer;
}
return "OK";
