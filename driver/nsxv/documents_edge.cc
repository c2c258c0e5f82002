// Port of the edge documents of vmware_nsx/plugins/nsx_v/vshield/edge_appliance_driver.py
// (_assemble_edge, _assemble_edge_appliances, _assemble_edge_vnic) and of the edge list, status
// and job answers read by vcns.py callers.
#include <nlohmann/json.hpp>

#include "driver/nsxv/documents.h"
#include "driver/nsxv/documents_internal.h"

namespace nsxv::driver {

using internal::DecodeDocument;
using internal::DecodeElement;
using internal::PutOpt;
using internal::ReadVnic;
using internal::VnicJson;
using nlohmann::json;

namespace {

// ---- Edge ----

Status ReadEdge(ObjectReader& r, EdgeDocument* e) {
  NSXV_TRY(r.OptString("id", &e->id));
  NSXV_TRY(r.String("name", &e->name));
  NSXV_TRY(r.OptString("fqdn", &e->fqdn));
  NSXV_TRY(r.OptBool("enableAesni", &e->enable_aesni));
  NSXV_TRY(r.OptBool("enableFips", &e->enable_fips));
  NSXV_TRY(r.Nested(
      "featureConfigs", false,
      [&](ObjectReader& fr) {
        return fr.Objects("features", false, false,
                          [&](size_t, const json& v, const std::string& where) -> Status {
                            EdgeFeature f;
                            NSXV_TRY(DecodeElement(v, where, &f.extra, [&](ObjectReader& er) {
                              NSXV_TRY(er.String("featureType", &f.feature_type));
                              NSXV_TRY(er.OptBool("enabled", &f.enabled));
                              return er.Nested("globalConfig", false, [&](ObjectReader& gr) {
                                return gr.OptInt("tcpTimeoutEstablished",
                                                 &f.tcp_timeout_established);
                              });
                            }));
                            e->features.push_back(std::move(f));
                            return Status::Ok();
                          });
      },
      &e->has_features));
  NSXV_TRY(r.Nested(
      "cliSettings", false,
      [&](ObjectReader& cr) {
        NSXV_TRY(cr.OptBool("remoteAccess", &e->remote_access));
        NSXV_TRY(cr.OptString("userName", &e->cli_user_name));
        return cr.OptString("password", &e->cli_password);
      },
      &e->has_cli_settings));
  NSXV_TRY(r.Nested(
      "autoConfiguration", false,
      [&](ObjectReader& ar) {
        NSXV_TRY(ar.OptBool("enabled", &e->auto_configuration_enabled));
        return ar.OptString("rulePriority", &e->auto_configuration_rule_priority);
      },
      &e->has_auto_configuration));
  NSXV_TRY(r.Nested("appliances", false, [&](ObjectReader& ar) {
    NSXV_TRY(ar.OptString("applianceSize", &e->appliance_size));
    NSXV_TRY(ar.OptString("deploymentContainerId", &e->deployment_container_id));
    return ar.Objects(
        "appliances", false, false,
        [&](size_t, const json& v, const std::string& where) -> Status {
          EdgeAppliance a;
          NSXV_TRY(DecodeElement(v, where, &a.extra, [&](ObjectReader& pr) {
            NSXV_TRY(pr.OptString("resourcePoolId", &a.resource_pool_id));
            return pr.OptString("datastoreId", &a.datastore_id);
          }));
          e->appliances.push_back(std::move(a));
          return Status::Ok();
        },
        &e->has_appliance_list);
  }));
  NSXV_TRY(r.OptString("type", &e->type));
  NSXV_TRY(r.OptString("datacenterMoid", &e->datacenter_moid));
  return r.Objects(
      "vnics", false, true,
      [&](size_t, const json& v, const std::string& where) -> Status {
        Vnic vnic;
        NSXV_TRY(DecodeElement(v, where, &vnic.extra,
                               [&](ObjectReader& vr) { return ReadVnic(vr, &vnic); }));
        e->vnics.push_back(std::move(vnic));
        return Status::Ok();
      },
      &e->has_vnics);
}

}  // namespace

// ---- public: edge ----

EdgeDocument MakeEdgeDocument(const EdgeSpec& spec) {
  EdgeDocument e;
  e.name = spec.name;
  e.enable_aesni = true;
  e.enable_fips = false;
  e.has_features = true;
  EdgeFeature fw;
  fw.feature_type = "firewall_4.0";
  fw.tcp_timeout_established = 7200;
  e.features.push_back(fw);
  if (spec.edge_ha) {
    EdgeFeature ha;
    ha.feature_type = "highavailability_4.0";
    ha.enabled = true;
    e.features.push_back(ha);
  }
  if (spec.loadbalancer_enable) {
    EdgeFeature lb;
    lb.feature_type = "loadbalancer_4.0";
    lb.enabled = true;
    e.features.push_back(lb);
  }
  e.has_cli_settings = true;
  e.remote_access = false;
  if (spec.appliance_user && spec.appliance_password) {
    e.cli_user_name = spec.appliance_user;
    e.cli_password = spec.appliance_password;
  }
  e.has_auto_configuration = true;
  e.auto_configuration_enabled = false;
  e.auto_configuration_rule_priority = "high";
  e.appliance_size = spec.appliance_size;
  e.deployment_container_id = spec.deployment_container_id;
  if (spec.datastore_id) {
    e.has_appliance_list = true;
    EdgeAppliance a;
    a.resource_pool_id = spec.resource_pool_id;
    a.datastore_id = spec.datastore_id;
    e.appliances.push_back(a);
    if (spec.edge_ha && spec.ha_datastore_id) {
      a.datastore_id = spec.ha_datastore_id;
      e.appliances.push_back(a);
    }
  }
  e.datacenter_moid = spec.datacenter_moid;
  e.type = "gatewayServices";
  Vnic ext;
  ext.index = 0;
  ext.name = "external";
  ext.type = "uplink";
  ext.portgroup_id = spec.external_portgroup;
  ext.mtu = 1500;
  ext.enable_proxy_arp = false;
  ext.enable_send_redirects = true;
  ext.is_connected = true;
  ext.sub_interfaces = "[]";  // no address: _assemble_edge_vnic sends empty subInterfaces
  e.vnics.push_back(ext);
  e.has_vnics = true;
  return e;
}

Result<EdgeDocument> DecodeEdge(std::string_view body) {
  return DecodeDocument<EdgeDocument>(body, "edge", ReadEdge);
}

std::string EncodeEdge(const EdgeDocument& e) {
  json known = {{"name", e.name}, {"fqdn", e.fqdn ? json(*e.fqdn) : json(nullptr)}};
  PutOpt(known, "id", e.id);
  PutOpt(known, "enableAesni", e.enable_aesni);
  PutOpt(known, "enableFips", e.enable_fips);
  if (e.has_features || !e.features.empty()) {
    json features = json::array();
    for (const EdgeFeature& f : e.features) {
      json fj = {{"featureType", f.feature_type}};
      PutOpt(fj, "enabled", f.enabled);
      if (f.tcp_timeout_established) {
        fj["globalConfig"] = {{"tcpTimeoutEstablished", *f.tcp_timeout_established}};
      }
      features.push_back(WithExtra(f.extra, std::move(fj)));
    }
    known["featureConfigs"] = {{"features", std::move(features)}};
  }
  if (e.has_cli_settings || e.remote_access || e.cli_user_name || e.cli_password) {
    json cli = json::object();
    PutOpt(cli, "remoteAccess", e.remote_access);
    PutOpt(cli, "userName", e.cli_user_name);
    PutOpt(cli, "password", e.cli_password);
    known["cliSettings"] = std::move(cli);
  }
  if (e.has_auto_configuration || e.auto_configuration_enabled ||
      e.auto_configuration_rule_priority) {
    json ac = json::object();
    PutOpt(ac, "enabled", e.auto_configuration_enabled);
    PutOpt(ac, "rulePriority", e.auto_configuration_rule_priority);
    known["autoConfiguration"] = std::move(ac);
  }
  if (e.appliance_size || e.deployment_container_id || e.has_appliance_list ||
      !e.appliances.empty()) {
    json ap = json::object();
    PutOpt(ap, "applianceSize", e.appliance_size);
    PutOpt(ap, "deploymentContainerId", e.deployment_container_id);
    if (e.has_appliance_list || !e.appliances.empty()) {
      json list = json::array();
      for (const EdgeAppliance& a : e.appliances) {
        json aj = json::object();
        PutOpt(aj, "resourcePoolId", a.resource_pool_id);
        PutOpt(aj, "datastoreId", a.datastore_id);
        list.push_back(WithExtra(a.extra, std::move(aj)));
      }
      ap["appliances"] = std::move(list);
    }
    known["appliances"] = std::move(ap);
  }
  PutOpt(known, "type", e.type);
  PutOpt(known, "datacenterMoid", e.datacenter_moid);
  if (e.has_vnics || !e.vnics.empty()) {
    json vnics = json::array();
    for (const Vnic& v : e.vnics) vnics.push_back(VnicJson(v));
    known["vnics"] = {{"vnics", std::move(vnics)}};
  }
  return Dump(WithExtra(e.extra, std::move(known)));
}

// ---- public: list, status, jobs ----

Result<EdgePage> DecodeEdgePage(std::string_view body) {
  return DecodeDocument<EdgePage>(body, "edgeList", [](ObjectReader& r, EdgePage* page) {
    return r.Nested("edgePage", true, [&](ObjectReader& pr) {
      NSXV_TRY(pr.Objects("data", true, false,
                          [&](size_t, const json& v, const std::string& where) -> Status {
                            EdgeSummary s;
                            NSXV_TRY(DecodeElement(v, where, &s.extra, [&](ObjectReader& sr) {
                              NSXV_TRY(sr.String("id", &s.id));
                              NSXV_TRY(sr.OptString("name", &s.name));
                              NSXV_TRY(sr.OptString("edgeStatus", &s.edge_status));
                              NSXV_TRY(sr.OptString("edgeType", &s.edge_type));
                              return sr.Nested("appliancesSummary", false, [&](ObjectReader& ar) {
                                return ar.OptString("applianceSize", &s.appliance_size);
                              });
                            }));
                            page->data.push_back(std::move(s));
                            return Status::Ok();
                          }));
      return pr.Nested("pagingInfo", false, [&](ObjectReader& ir) {
        PagingInfo p;
        NSXV_TRY(ir.Int("pageSize", &p.page_size));
        NSXV_TRY(ir.Int("startIndex", &p.start_index));
        NSXV_TRY(ir.Int("totalCount", &p.total_count));
        page->paging = p;
        return Status::Ok();
      });
    });
  });
}

Result<EdgeStatus> DecodeEdgeStatus(std::string_view body) {
  return DecodeDocument<EdgeStatus>(body, "edgeStatus", [](ObjectReader& r, EdgeStatus* s) {
    return r.String("edgeStatus", &s->edge_status);
  });
}

Result<std::vector<EdgeJob>> DecodeEdgeJobs(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "edgeJobs"));
  ObjectReader r(v, "edgeJobs");
  NSXV_TRY(r.status());
  std::vector<EdgeJob> jobs;
  NSXV_TRY(r.Objects("edgeJob", true, false,
                     [&](size_t, const json& e, const std::string& where) -> Status {
                       EdgeJob job;
                       NSXV_TRY(DecodeElement(e, where, &job.extra, [&](ObjectReader& jr) {
                         NSXV_TRY(jr.OptString("jobId", &job.job_id));
                         return jr.OptString("status", &job.status);
                       }));
                       jobs.push_back(std::move(job));
                       return Status::Ok();
                     }));
  return jobs;
}

}  // namespace nsxv::driver
