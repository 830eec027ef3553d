#include "pgfleet/neon/branch_lease.hpp"

#include "pgfleet/neon/neon_client.hpp"

namespace pgfleet::neon {

BranchLease::BranchLease(std::shared_ptr<NeonClient> client, KeepBranch keep)
    : client_(std::move(client)), keep_(keep) {}

BranchLease::BranchLease(BranchLease&& other) noexcept
    : client_(std::move(other.client_)),
      keep_(other.keep_),
      branches_(std::move(other.branches_)),
      results_(std::move(other.results_)),
      released_(other.released_) {
  other.branches_.clear();
  other.released_ = true;  // the moved-from lease owns nothing
}

BranchLease& BranchLease::operator=(BranchLease&& other) noexcept {
  if (this != &other) {
    if (!released_) {
      try {
        release();
      } catch (...) {
      }
    }
    client_ = std::move(other.client_);
    keep_ = other.keep_;
    branches_ = std::move(other.branches_);
    results_ = std::move(other.results_);
    released_ = other.released_;
    other.branches_.clear();
    other.released_ = true;
  }
  return *this;
}

BranchLease::~BranchLease() {
  if (released_) return;
  try {
    release();
  } catch (...) {
    // best effort: expires_at on the branch is the safety net
  }
}

void BranchLease::add(PreflightBranch branch) {
  branches_.push_back(std::move(branch));
  released_ = false;
}

void BranchLease::set_endpoint_host(const std::string& branch_id, const std::string& host) {
  for (auto& branch : branches_) {
    if (branch.branch_id == branch_id) branch.endpoint_host = host;
  }
}

std::vector<ReleasedBranch> BranchLease::release() {
  if (released_) return results_;
  released_ = true;
  for (const auto& branch : branches_) {
    ReleasedBranch result;
    result.branch = branch;
    if (keep_ == KeepBranch::yes) {
      result.status = ReleaseStatus::kept;
    } else if (!client_) {
      result.status = ReleaseStatus::failed;
      result.error = "no Neon client";
    } else {
      try {
        auto deleted = client_->delete_branch(branch.project_id, branch.branch_id);
        // Wait for the delete so that the next mutation in the project is not refused (423)
        // and the branch's compute is really gone when we report it deleted.
        client_->wait_for_operations(branch.project_id, deleted.operations);
        result.status = ReleaseStatus::deleted;
      } catch (const std::exception& error) {
        result.status = ReleaseStatus::failed;
        result.error = error.what();  // NeonError texts never hold the key
      }
    }
    if (client_ && client_->log()) {
      client_->log()(std::string("neon: branch ") + branch.branch_name + " (" + branch.branch_id +
                     ") " +
                     (result.status == ReleaseStatus::deleted ? "deleted"
                      : result.status == ReleaseStatus::kept  ? "kept"
                                                              : "NOT deleted: " + result.error));
    }
    results_.push_back(std::move(result));
  }
  return results_;
}

}  // namespace pgfleet::neon
