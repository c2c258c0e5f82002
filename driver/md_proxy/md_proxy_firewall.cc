// Port of md_proxy.py get_router_fw_rules() as the plugin applied it to router and DHCP edges
// (M3, API reference §1.14), as a read-modify-write of the edge firewall: the driver's rules are
// recognised by their description (kMdFirewallRuleMarker) and every other rule is kept.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "driver/md_proxy/md_proxy.h"
#include "driver/md_proxy/md_proxy_internal.h"

namespace nsxv::md_proxy {

namespace {

using internal::Annotate;

bool IsMdRule(const driver::FirewallRule& rule) {
  return rule.description == std::string(kMdFirewallRuleMarker);
}

// Rules a PUT may carry back: user rules. Rules the manager makes itself (ruleType
// "internal_high", "default_policy", ... on a real manager) are not part of the PUT body.
bool IsUserRule(const driver::FirewallRule& rule) {
  return !rule.rule_type || *rule.rule_type == "user";
}

// The rule as it is sent: what the backend assigns (ruleId, ruleType) left out.
driver::FirewallRule AsSent(driver::FirewallRule rule) {
  rule.rule_id.reset();
  rule.rule_type.reset();
  return rule;
}

// A rule's identity for "is it already there": the sent fields without its tag.
driver::FirewallRule Content(driver::FirewallRule rule) {
  rule = AsSent(std::move(rule));
  rule.rule_tag.reset();
  return rule;
}

}  // namespace

Result<std::vector<driver::FirewallRule>> MdFirewallRules(const MdProxyConfig& config) {
  std::vector<driver::FirewallRule> out;
  for (plugin::FirewallRuleSpec spec : RouterFirewallRules(config)) {
    spec.description = kMdFirewallRuleMarker;
    NSXV_ASSIGN_OR_RETURN(driver::FirewallRule rule,
                          plugin::ConvertFirewallRule(spec, static_cast<int64_t>(out.size()) + 1));
    rule.rule_tag.reset();  // chosen against the edge's other rules (ApplyMdFirewallRules)
    out.push_back(std::move(rule));
  }
  return out;
}

bool ApplyMdFirewallRules(driver::FirewallConfig& firewall,
                          const std::vector<driver::FirewallRule>& md_rules) {
  std::vector<driver::FirewallRule> user;
  std::vector<driver::FirewallRule> kept;
  std::set<int64_t> used_tags;
  size_t md_count = 0;
  for (const driver::FirewallRule& r : firewall.rules) {
    if (!IsUserRule(r)) continue;
    user.push_back(r);
    if (IsMdRule(r)) {
      ++md_count;
    } else {
      if (r.rule_tag) used_tags.insert(*r.rule_tag);
      kept.push_back(AsSent(r));
    }
  }
  // Already in place (the first user rules, in order, same content): nothing to write.
  bool same = md_count == md_rules.size() && user.size() >= md_rules.size();
  for (size_t i = 0; same && i < md_rules.size(); ++i) {
    same = IsMdRule(user[i]) && Content(user[i]) == Content(md_rules[i]);
  }
  if (same) return false;
  // The md rules first (M3 rules precede the router's own rules, as in the 2016 plugin), each
  // with the lowest ruleTag no kept rule uses; the kept rules follow unchanged.
  std::vector<driver::FirewallRule> rules;
  int64_t tag = 1;
  for (driver::FirewallRule r : md_rules) {
    while (used_tags.count(tag) != 0) ++tag;
    r.rule_tag = tag++;
    rules.push_back(std::move(r));
  }
  rules.insert(rules.end(), kept.begin(), kept.end());
  firewall.rules = std::move(rules);
  return true;
}

bool RemoveMdFirewallRules(driver::FirewallConfig& firewall) {
  if (std::none_of(firewall.rules.begin(), firewall.rules.end(), IsMdRule)) return false;
  std::vector<driver::FirewallRule> kept;
  for (const driver::FirewallRule& r : firewall.rules) {
    if (IsUserRule(r) && !IsMdRule(r)) kept.push_back(AsSent(r));
  }
  firewall.rules = std::move(kept);
  return true;
}

Result<bool> MetadataProxyHandler::EnsureMdFirewall(const std::string& edge_id) const {
  NSXV_ASSIGN_OR_RETURN(const std::vector<driver::FirewallRule> md, MdFirewallRules(config_));
  NSXV_ASSIGN_OR_RETURN(driver::FirewallConfig firewall, vcns_.GetFirewall(edge_id));
  if (!ApplyMdFirewallRules(firewall, md)) return false;
  NSXV_RETURN_IF_ERROR(
      Annotate(vcns_.UpdateFirewall(edge_id, firewall), "configuring md firewall of " + edge_id));
  return true;
}

Status MetadataProxyHandler::RemoveMdFirewall(const std::string& edge_id) const {
  auto firewall = vcns_.GetFirewall(edge_id);
  if (!firewall.ok()) {
    if (firewall.error().code() == StatusCode::kNotFound) return Status::Ok();
    return Annotate(firewall.error(), "reading firewall of " + edge_id);
  }
  if (!RemoveMdFirewallRules(*firewall)) return Status::Ok();
  Status put = vcns_.UpdateFirewall(edge_id, *firewall);
  if (put.code() == StatusCode::kNotFound) return Status::Ok();
  return Annotate(put, "removing md firewall rules of " + edge_id);
}

}  // namespace nsxv::md_proxy
