#include "cli/commands.h"

#include <algorithm>
#include <fstream>

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "driver/config/mapping.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "scenarios/invariants.h"
#include "scenarios/md_path.h"
#include "scenarios/md_path_collect.h"

namespace nsxv::cli {
namespace {

using json = nlohmann::json;

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// The printable value of an option (secrets without their password), as `config show` has it.
std::string Described(const config::Config& config, const std::string& key) {
  for (const auto& [k, v] : config::Describe(config)) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace

std::optional<CommandError> Prepare(Session& s, Prepared* p, bool handler, bool read_only,
                                    bool run_init) {
  config::Config config;
  if (auto e = s.LoadConfig(&config)) return e;
  p->runtime = std::make_unique<Runtime>(std::move(config));
  if (handler) {
    if (auto e = p->runtime->CheckMetadataConfig()) return e;
  }
  if (auto e = p->runtime->Connect()) return e;
  s.manager = {{"version", p->runtime->manager_version()}};
  if (!p->runtime->version_note().empty()) s.manager["note"] = p->runtime->version_note();
  if (auto e = p->runtime->OpenStore()) return e;
  if (!handler) return std::nullopt;
  if (auto e = p->runtime->MakeHandler(read_only)) return e;
  if (!run_init) return std::nullopt;
  auto init = p->runtime->handler().Init();
  if (!init.ok()) {
    return CommandError{kExitFailed, "metadata init failed: " + init.error().message()};
  }
  p->init = std::move(init).value();
  if (!p->init->complete()) {
    const std::string failed = Join(p->init->failed_ext_ips());
    s.warnings.push_back("metadata init incomplete: proxy edges " + failed + " failed");
    spdlog::warn("metadata init incomplete: proxy edges {} failed", failed);
  }
  return std::nullopt;
}

namespace {

json AdminReportJson(const md_proxy::AdminReport& r) {
  json edges = json::array();
  for (const auto& e : r.edges) {
    edges.push_back({{"router_id", e.router_id},
                     {"edge_id", e.edge_id},
                     {"outcome", e.outcome},
                     {"error", e.error}});
  }
  return {{"edges", edges},
          {"updated", r.updated},
          {"unchanged", r.unchanged},
          {"skipped", r.skipped},
          {"failed", r.failed}};
}

void PrintAdminReport(std::ostream& out, const md_proxy::AdminReport& r) {
  Table t({"ROUTER", "EDGE", "OUTCOME", "ERROR"});
  for (const auto& e : r.edges) t.AddRow({e.router_id, e.edge_id, e.outcome, OrDash(e.error)});
  t.Print(out);
  out << "\n"
      << r.edges.size() << " router edges: " << r.updated << " updated, " << r.unchanged
      << " unchanged, " << r.skipped << " skipped, " << r.failed << " failed\n";
}

int RunAdmin(Session& s, bool secret) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/false)) return s.Fail(*e);
  auto& handler = p.runtime->handler();
  auto report = secret ? handler.UpdateSecret() : handler.RedoConfig();
  if (!report.ok()) {
    return s.Fail({kExitFailed, std::string(secret ? "update-secret" : "redo-config") +
                                    " failed: " + report.error().message()});
  }
  s.result = AdminReportJson(*report);
  if (!s.json) PrintAdminReport(s.out, *report);
  if (report->failed > 0) {
    return s.Fail({kExitFailed, std::to_string(report->failed) + " router edge(s) failed"});
  }
  // Written from an incomplete pool: the operator must see which proxy edges were not verified.
  if (Status pool = handler.PoolStatus(); !pool.ok()) return s.Fail({kExitFailed, pool.message()});
  return kExitOk;
}

json RouterJson(const store::RouterRow& r, const std::string& edge, const std::string& md_ip,
                const std::string& role) {
  return {{"id", r.id},         {"name", r.name},  {"tenant_id", r.tenant_id.value_or("")},
          {"status", r.status}, {"edge_id", edge}, {"metadata_ip", md_ip},
          {"role", role}};
}

}  // namespace

int Session::Fail(const CommandError& e) {
  error = e.message;
  err << "nsxv-md: " << e.message << "\n";
  return e.exit_code;
}

std::optional<CommandError> Session::LoadConfig(config::Config* config,
                                                const config::Config& base) {
  auto loaded = config::LoadConfig(load, base);
  if (!loaded.ok()) return CommandError{kExitUsage, loaded.error().message()};
  for (const std::string& w : loaded->warnings) {
    spdlog::warn("{}", w);
    warnings.push_back(w);
  }
  *config = std::move(loaded).value();
  return std::nullopt;
}

json InitReportJson(const md_proxy::InitReport& r) {
  json edges = json::array();
  for (const auto& e : r.proxy_edges) {
    edges.push_back({{"ext_ip", e.ext_ip},
                     {"old_ext_ip", e.old_ext_ip},
                     {"action", md_proxy::ProxyEdgeActionName(e.action)},
                     {"router_id", e.router_id},
                     {"edge_id", e.edge_id},
                     {"internal_ip", e.internal_ip},
                     {"changed", e.changed},
                     {"ok", e.ok},
                     {"error", e.error}});
  }
  return {{"internal_network_id", r.internal_network_id},
          {"internal_subnet_id", r.internal_subnet_id},
          {"created_internal_network", r.created_internal_network},
          {"proxy_edges", edges},
          {"live_proxy_ips", r.live_proxy_ips},
          {"complete", r.complete()}};
}

void PrintInitReport(std::ostream& out, const md_proxy::InitReport& r) {
  Table t({"PROXY IP", "ACTION", "ROUTER", "EDGE", "INTER-EDGE IP", "CHANGED", "RESULT"});
  for (const auto& e : r.proxy_edges) {
    std::string action = md_proxy::ProxyEdgeActionName(e.action);
    if (!e.old_ext_ip.empty()) action += " (was " + e.old_ext_ip + ")";
    t.AddRow({e.ext_ip, action, OrDash(e.router_id), OrDash(e.edge_id), OrDash(e.internal_ip),
              e.changed ? "yes" : "no", e.ok ? "ok" : "FAILED: " + e.error});
  }
  t.Print(out);
  size_t ok = 0;
  for (const auto& e : r.proxy_edges) ok += e.ok ? 1 : 0;
  out << "\ninternal network " << r.internal_network_id
      << (r.created_internal_network ? " (created)" : "") << "; " << ok << "/"
      << r.proxy_edges.size() << " proxy edges ok; live proxy IPs: "
      << (r.live_proxy_ips.empty() ? "(none)" : Join(r.live_proxy_ips)) << "\n";
}

json CheckReportJson(const scenarios::CheckReport& r) {
  json violations = json::array();
  for (const auto& v : r.violations) {
    violations.push_back({{"invariant", v.invariant}, {"object", v.object}, {"detail", v.detail}});
  }
  return {{"checks", r.checks},
          {"passed", r.passed()},
          {"violations", violations},
          {"routers", r.routers},
          {"proxy_edges", r.proxy_edges},
          {"router_edges", r.router_edges},
          {"backend_edges", r.backend_edges},
          {"foreign_edges", r.foreign_edges},
          {"live_proxy_ips", r.live_proxy_ips}};
}

void PrintViolations(std::ostream& out, const scenarios::CheckReport& r) {
  if (r.violations.empty()) return;
  Table t({"INVARIANT", "OBJECT", "VIOLATION"});
  for (const auto& v : r.violations) t.AddRow({v.invariant, v.object, v.detail});
  t.Print(out);
  out << "\n";
}

int RunInit(Session& s) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/false)) return s.Fail(*e);
  s.result = InitReportJson(*p.init);
  if (!s.json) PrintInitReport(s.out, *p.init);
  if (!p.init->complete()) {
    return s.Fail({kExitFailed, "metadata init incomplete: proxy edges " +
                                    Join(p.init->failed_ext_ips()) + " failed"});
  }
  return kExitOk;
}

int RunRouterCreate(Session& s, const RouterOptions& o) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/false)) return s.Fail(*e);
  auto ctx = p.runtime->OpenContext(o.tenant);
  if (!ctx.ok()) return s.Fail({kExitFailed, ctx.error().message()});
  plugin::RouterSpec spec;
  spec.name = o.name;
  spec.tenant_id = o.tenant;
  auto router = p.runtime->handler().CreateRouterWithMetadata(**ctx, spec);
  if (!router.ok()) {
    return s.Fail({kExitFailed, "router create " + o.name + ": " + router.error().message()});
  }
  auto edge = p.runtime->plugin().GetRouterEdge(**ctx, router->id);
  const std::string edge_id = edge.ok() ? *edge : "";
  s.result = {{"router", RouterJson(*router, edge_id, "", "router")}};
  if (!s.json) {
    Table t({"ID", "NAME", "TENANT", "STATUS", "EDGE"});
    t.AddRow({router->id, router->name, router->tenant_id.value_or(""), router->status,
              OrDash(edge_id)});
    t.Print(s.out);
  }
  if (Status pool = p.runtime->handler().PoolStatus(); !pool.ok()) {
    return s.Fail({kExitFailed, "router create " + o.name + ": created, but " + pool.message()});
  }
  return kExitOk;
}

int RunRouterDelete(Session& s, const RouterOptions& o) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/false)) return s.Fail(*e);
  store::Context& admin = p.runtime->admin_context();
  store::RouterFilter by_id;
  by_id.id = std::vector<std::string>{o.name};
  auto routers = store::ListRouterRows(admin, by_id);
  if (routers.ok() && routers->empty()) {
    store::RouterFilter by_name;
    by_name.name = std::vector<std::string>{o.name};
    routers = store::ListRouterRows(admin, by_name);
  }
  if (!routers.ok()) return s.Fail({kExitFailed, routers.error().message()});
  if (routers->empty()) return s.Fail({kExitFailed, "router delete: no router named " + o.name});
  if (routers->size() > 1) {
    std::vector<std::string> ids;
    for (const auto& r : *routers) ids.push_back(r.id);
    return s.Fail({kExitFailed, "router delete: " + std::to_string(ids.size()) +
                                    " routers are named " + o.name + " (" + Join(ids) +
                                    "); give the id"});
  }
  const store::RouterRow router = routers->front();
  auto internal = store::GetNsxvInternalEdgeByRouter(admin, router.id);
  if (internal.ok() && internal->has_value()) {
    return s.Fail({kExitFailed, "router delete: " + router.id +
                                    " is a metadata proxy router (managed by init)"});
  }
  auto edge = p.runtime->plugin().GetRouterEdge(admin, router.id);
  const std::string edge_id = edge.ok() ? *edge : "";
  std::vector<std::string> warnings;
  if (Status st = p.runtime->handler().DeleteRouterWithMetadata(admin, router.id, &warnings);
      !st.ok()) {
    return s.Fail({kExitFailed, "router delete " + o.name + ": " + st.message()});
  }
  bool edge_left = false;
  for (const std::string& w : warnings) {
    s.warnings.push_back(w);
    s.err << "nsxv-md: warning: " << w << "\n";
    edge_left = edge_left || (!edge_id.empty() &&
                              w.starts_with(std::string(plugin::kEdgeLeftWarning) + edge_id));
  }
  s.result = {{"router", RouterJson(router, edge_id, "", "router")},
              {"deleted", true},
              {"edge_left", edge_left}};
  if (!s.json) {
    s.out << "deleted router " << router.id << " (" << router.name << ")";
    if (!edge_id.empty()) {
      s.out << (edge_left ? "; edge " + edge_id + " is left on the manager"
                          : " and edge " + edge_id);
    }
    s.out << "\n";
  }
  return kExitOk;
}

int RunRouterList(Session& s) {
  config::Config config;
  if (auto e = s.LoadConfig(&config)) return s.Fail(*e);
  json routers = json::array();
  Table t({"ID", "NAME", "TENANT", "STATUS", "EDGE", "ROLE", "METADATA IP"});
  struct stat st {};
  // A database file that does not exist yet has no routers; listing must not create it.
  const bool mariadb = !config.database.connection.empty();
  if (mariadb || stat(config.database.path.c_str(), &st) == 0) {
    store::ContextOptions o;
    o.path = config.database.path;
    o.connection = config.database.connection;
    o.is_admin = true;
    auto ctx = store::Context::Open(o);
    if (!ctx.ok()) return s.Fail({kExitFailed, ctx.error().message()});
    auto rows = store::ListRouterRows(**ctx, {});
    if (!rows.ok()) return s.Fail({kExitFailed, rows.error().message()});
    auto net = store::GetNsxvInternalNetwork(**ctx, store::kInterEdgePurpose);
    const std::string internal_net = net.ok() ? net->value_or("") : "";
    std::vector<store::RouterRow> sorted = *rows;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.name != b.name ? a.name < b.name : a.id < b.id;
    });
    for (const auto& r : sorted) {
      auto binding = store::GetRouterBinding(**ctx, r.id);
      std::string edge;
      if (binding.ok() && binding->has_value()) edge = (*binding)->edge_id.value_or("");
      auto internal = store::GetNsxvInternalEdgeByRouter(**ctx, r.id);
      const bool proxy = internal.ok() && internal->has_value();
      std::string md_ip;
      if (!internal_net.empty()) {
        store::PortFilter pf;
        pf.network_id = std::vector<std::string>{internal_net};
        pf.device_id = std::vector<std::string>{r.id};
        auto ports = store::ListPortRows(**ctx, pf);
        if (ports.ok() && !ports->empty() && !ports->front().fixed_ips.empty()) {
          md_ip = ports->front().fixed_ips.front().ip_address;
        }
      }
      const std::string role = proxy ? "md-proxy" : "router";
      routers.push_back(RouterJson(r, edge, md_ip, role));
      t.AddRow(
          {r.id, r.name, r.tenant_id.value_or(""), r.status, OrDash(edge), role, OrDash(md_ip)});
    }
  }
  const std::string database =
      mariadb ? Described(config, "database.connection") : config.database.path;
  s.result = {{"database", database}, {"routers", routers}};
  if (!s.json) {
    t.Print(s.out);
    s.out << "\n" << t.rows() << " router(s) in " << database << "\n";
  }
  return kExitOk;
}

int RunStatus(Session& s) {
  Prepared p;
  // Status reads only: no Init (which could write, or fail on drift that status must report).
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/true, /*run_init=*/false)) {
    return s.Fail(*e);
  }
  auto report = p.runtime->handler().GetStatus();
  if (!report.ok()) return s.Fail({kExitFailed, "status: " + report.error().message()});
  int problems = 0;
  json proxies = json::array();
  Table pt({"PROXY IP", "ROUTER", "EDGE", "INTER-EDGE IP", "NOVA MEMBERS", "RESULT"});
  for (const auto& e : report->proxy_edges) {
    json members = json::array();
    std::vector<std::string> member_text;
    for (const auto& m : e.members) {
      members.push_back({{"ip_address", m.ip_address}, {"status", m.status}});
      member_text.push_back(m.ip_address + (m.status.empty() ? "" : " " + m.status));
    }
    proxies.push_back({{"ext_ip", e.ext_ip},
                       {"router_id", e.router_id},
                       {"edge_id", e.edge_id},
                       {"internal_ip", e.internal_ip},
                       {"members", members},
                       {"ok", e.ok},
                       {"error", e.error}});
    problems += e.ok ? 0 : 1;
    pt.AddRow({e.ext_ip, OrDash(e.router_id), OrDash(e.edge_id), OrDash(e.internal_ip),
               member_text.empty() ? "-" : Join(member_text), e.ok ? "ok" : "FAILED: " + e.error});
  }
  json routers = json::array();
  Table rt({"ROUTER", "EDGE", "MD MEMBERS", "MATCH", "RESULT"});
  for (const auto& r : report->router_edges) {
    routers.push_back({{"router_id", r.router_id},
                       {"edge_id", r.edge_id},
                       {"member_ips", r.member_ips},
                       {"members_match", r.members_match},
                       {"ok", r.ok},
                       {"error", r.error}});
    problems += r.ok && r.members_match ? 0 : 1;
    rt.AddRow({r.router_id, OrDash(r.edge_id), r.member_ips.empty() ? "-" : Join(r.member_ips),
               r.members_match ? "yes" : "NO", r.ok ? "ok" : "FAILED: " + r.error});
  }
  s.result = {{"proxy_edges", proxies},
              {"router_edges", routers},
              {"live_proxy_ips", report->live_proxy_ips},
              {"problems", problems}};
  if (!s.json) {
    pt.Print(s.out);
    s.out << "\n";
    rt.Print(s.out);
    s.out << "\nlive proxy IPs: "
          << (report->live_proxy_ips.empty() ? "(none)" : Join(report->live_proxy_ips)) << "; "
          << problems << " problem(s)\n";
  }
  if (problems > 0) return s.Fail({kExitFailed, std::to_string(problems) + " problem(s) found"});
  return kExitOk;
}

int RunRedoConfig(Session& s) { return RunAdmin(s, /*secret=*/false); }
int RunUpdateSecret(Session& s) { return RunAdmin(s, /*secret=*/true); }

int RunCheck(Session& s, const CheckCliOptions& cli) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/false, /*read_only=*/true)) return s.Fail(*e);
  const auto start = std::chrono::steady_clock::now();
  scenarios::CheckOptions options;
  options.metadata_path_client = &p.runtime->client();
  // The same naming scope as repair: a manager shared with other software is not ours to judge.
  options.driver_naming_only = !cli.all_edges;
  options.edge_name_prefix = cli.edge_prefix;
  auto report = scenarios::CheckInvariants(p.runtime->admin_context(), p.runtime->vcns(),
                                           config::ToMdProxyConfig(p.runtime->config()), options);
  if (!report.ok()) return s.Fail({kExitFailed, "check: " + report.error().message()});
  s.result = CheckReportJson(*report);
  s.result["seconds"] = SecondsSince(start);
  if (!s.json) {
    PrintViolations(s.out, *report);
    s.out << report->passed() << "/" << report->checks << " invariant checks passed ("
          << report->routers << " routers, " << report->proxy_edges << " proxy edges, "
          << report->router_edges << " router edges with metadata, " << report->backend_edges
          << " backend edges) in " << FormatDuration(SecondsSince(start)) << "\n";
    if (report->foreign_edges > 0) {
      s.out << report->foreign_edges
            << " backend edges outside the naming scope were not checked for orphans "
               "(--all-edges checks them)\n";
    }
    if (report->metadata_paths > 0) {
      s.out << "metadata path: " << report->metadata_paths_proven << "/" << report->metadata_paths
            << " routers proven\n";
    }
  }
  if (!report->ok()) {
    return s.Fail(
        {kExitFailed, std::to_string(report->violations.size()) + " invariant violation(s)"});
  }
  return kExitOk;
}

int RunTrace(Session& s, const TraceOptions& options) {
  if (options.all == !options.router.empty()) {
    return s.Fail({kExitUsage, "trace: give a ROUTER (id, name or edge id) or --all"});
  }
  scenarios::MdTraceOptions trace;
  trace.router = options.router;
  if (!options.nova_secret_file.empty()) {
    std::ifstream in(options.nova_secret_file);
    std::string secret;
    if (!in || !std::getline(in, secret)) {
      return s.Fail({kExitUsage, "trace: --nova-secret-file " + options.nova_secret_file +
                                     ": cannot read a line from it"});
    }
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    trace.nova_shared_secret = secret;
  }
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/false, /*read_only=*/true)) return s.Fail(*e);
  auto report = scenarios::TraceMetadataPaths(p.runtime->admin_context(), p.runtime->client(),
                                              config::ToMdProxyConfig(p.runtime->config()), trace);
  if (!report.ok()) {
    const int code = report.error().code() == StatusCode::kNotFound ||
                             report.error().code() == StatusCode::kInvalidArgument
                         ? kExitUsage
                         : kExitFailed;
    return s.Fail({code, "trace: " + report.error().message()});
  }
  s.result = scenarios::MdPathReportToJson(*report);
  if (!s.json) s.out << scenarios::RenderMdPathText(*report);
  if (!report->ok()) return s.Fail({kExitFailed, "trace: a metadata path is not proven"});
  return kExitOk;
}

}  // namespace nsxv::cli
