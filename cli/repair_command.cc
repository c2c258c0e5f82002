// nsxv-md repair (scenarios/repair.h) and nsxv-md network create|delete.
#include <spdlog/spdlog.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "driver/config/mapping.h"
#include "driver/store/neutron_db.h"
#include "scenarios/repair.h"

namespace nsxv::cli {
namespace {

using json = nlohmann::json;

json RepairJson(const scenarios::RepairReport& r) {
  json items = json::array();
  for (const auto& i : r.items) {
    items.push_back({{"kind", i.kind},
                     {"object", i.object},
                     {"detail", i.detail},
                     {"action", i.action},
                     {"outcome", i.outcome},
                     {"error", i.error}});
  }
  json left = json::array();
  for (const auto& v : r.left) {
    left.push_back({{"invariant", v.invariant}, {"object", v.object}, {"detail", v.detail}});
  }
  json doc = {{"applied", r.applied},
              {"items", items},
              {"found", r.items.size()},
              {"fixed", r.Count("fixed")},
              {"failed", r.Count("failed")},
              {"unfixable", r.Count("unfixable")},
              {"left", left},
              {"foreign_edges", r.foreign_edges},
              {"virtual_wires_listed", r.check.virtual_wires_listed},
              {"check", CheckReportJson(r.check)},
              {"clean", r.clean()}};
  if (r.init_failed) doc["init_error"] = r.init_error;
  return doc;
}

void PrintRepair(std::ostream& out, const scenarios::RepairReport& r) {
  if (!r.items.empty()) {
    Table t({"KIND", "OBJECT", "PROBLEM", r.applied ? "DONE" : "FIX", "OUTCOME"});
    for (const auto& i : r.items) {
      t.AddRow({i.kind, i.object, i.detail, i.action,
                i.error.empty() ? i.outcome : i.outcome + ": " + i.error});
    }
    t.Print(out);
    out << "\n";
  }
  if (!r.left.empty()) {
    out << (r.applied ? "Left after repair (no repair applies or it did not hold):\n"
                      : "Not repairable (no repair applies):\n");
    Table t({"INVARIANT", "OBJECT", "VIOLATION"});
    for (const auto& v : r.left) t.AddRow({v.invariant, v.object, v.detail});
    t.Print(out);
    out << "\n";
  }
  if (r.init_failed) out << "metadata init failed: " << r.init_error << "\n";
  if (r.applied) {
    out << r.items.size() << " item(s): " << r.Count("fixed") << " fixed, " << r.Count("failed")
        << " failed, " << r.Count("unfixable") << " unfixable; " << r.left.size()
        << " violation(s) left";
  } else {
    out << r.items.size() << " item(s) to repair, " << r.left.size()
        << " violation(s) no repair applies to; nothing changed (--yes applies)";
  }
  out << "; " << r.foreign_edges << " edge(s) outside the naming scope left alone"
      << (r.check.virtual_wires_listed ? "" : "; virtual wires not listed") << "\n";
}

}  // namespace

int RunRepair(Session& s, const RepairOptions& o) {
  if (o.yes && o.dry_run)
    return s.Fail({kExitUsage, "repair: --yes and --dry-run exclude each other"});
  if (Status st = scenarios::ValidateRepairKinds(o.kinds); !st.ok()) {
    return s.Fail({kExitUsage, "repair: " + st.message()});
  }
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/false, /*read_only=*/true)) return s.Fail(*e);
  Runtime& rt = *p.runtime;
  const md_proxy::MdProxyConfig md = config::ToMdProxyConfig(rt.config());
  scenarios::RepairOptions options;
  options.apply = o.yes;
  options.kinds = o.kinds;
  options.edge_name_prefix = o.edge_prefix;
  // A fake manager lists its virtual wires on its admin API; a real one answers 404 there.
  scenarios::WireLister wires = scenarios::FakeAdminWires(rt.client());
  if (wires().ok()) options.list_virtual_wires = wires;
  scenarios::RepairEnv env{rt.admin_context(), rt.vcns(), rt.plugin(), rt.locks(), md};
  if (o.yes && md.Enabled() && !rt.CheckMetadataConfig()) {
    if (auto e = rt.MakeHandler(/*read_only=*/false)) return s.Fail(*e);
    env.handler = &rt.handler();
    env.init = [&rt]() -> Status {
      auto init = rt.handler().Init();
      if (!init.ok()) return init.error();
      if (!init->complete()) {
        return Status(StatusCode::kUnavailable,
                      "proxy edges " + Join(init->failed_ext_ips()) + " failed");
      }
      return Status::Ok();
    };
  }
  auto report = scenarios::Repair(env, options);
  if (!report.ok()) return s.Fail({kExitFailed, "repair: " + report.error().message()});
  s.result = RepairJson(*report);
  if (!s.json) PrintRepair(s.out, *report);
  if (!report->clean()) {
    const int open = report->applied ? report->Count("failed") + report->Count("unfixable") +
                                           static_cast<int>(report->left.size())
                                     : static_cast<int>(report->items.size() + report->left.size());
    return s.Fail({kExitFailed,
                   std::to_string(open) +
                       (report->applied ? " problem(s) could not be fixed" : " problem(s) found")});
  }
  return kExitOk;
}

int RunNetworkCreate(Session& s, const NetworkOptions& o) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/false)) return s.Fail(*e);
  auto ctx = p.runtime->OpenContext(o.tenant);
  if (!ctx.ok()) return s.Fail({kExitFailed, ctx.error().message()});
  plugin::NetworkSpec spec;
  spec.name = o.name;
  auto net = p.runtime->plugin().CreateNetwork(**ctx, spec);
  if (!net.ok())
    return s.Fail({kExitFailed, "network create " + o.name + ": " + net.error().message()});
  plugin::SubnetSpec sub;
  sub.network_id = net->id;
  sub.cidr = o.cidr;
  sub.name = o.name;
  auto subnet = p.runtime->plugin().CreateSubnet(**ctx, sub);
  if (!subnet.ok()) {
    return s.Fail({kExitFailed, "network create " + o.name + ": subnet " + o.cidr + ": " +
                                    subnet.error().message()});
  }
  s.result = {{"network", {{"id", net->id}, {"name", net->name}}},
              {"subnet", {{"id", subnet->id}, {"cidr", subnet->cidr}}}};
  if (!s.json)
    s.out << "created network " << net->id << " (" << net->name << ") " << subnet->cidr << "\n";
  return kExitOk;
}

int RunNetworkDelete(Session& s, const NetworkOptions& o) {
  Prepared p;
  if (auto e = Prepare(s, &p, /*handler=*/true, /*read_only=*/false)) return s.Fail(*e);
  store::Context& admin = p.runtime->admin_context();
  store::NetworkFilter by;
  by.id = std::vector<std::string>{o.name};
  auto nets = store::ListNetworkRows(admin, by);
  if (nets.ok() && nets->empty()) {
    by = {};
    by.name = std::vector<std::string>{o.name};
    nets = store::ListNetworkRows(admin, by);
  }
  if (!nets.ok()) return s.Fail({kExitFailed, nets.error().message()});
  if (nets->size() != 1) {
    return s.Fail({kExitFailed, "network delete: " + std::to_string(nets->size()) +
                                    " networks are named " + o.name});
  }
  const std::string id = nets->front().id;
  if (Status st = p.runtime->plugin().DeleteNetwork(admin, id); !st.ok()) {
    return s.Fail({kExitFailed, "network delete " + o.name + ": " + st.message()});
  }
  s.result = {{"network", {{"id", id}, {"name", nets->front().name}}}, {"deleted", true}};
  if (!s.json) s.out << "deleted network " << id << "\n";
  return kExitOk;
}

}  // namespace nsxv::cli
