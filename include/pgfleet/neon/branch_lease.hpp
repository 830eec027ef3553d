#pragma once
// BranchLease: the preflight branches of one run, deleted when the run is over (also after a
// failure) unless the user asked to keep them.
#include <memory>
#include <string>
#include <vector>

namespace pgfleet::neon {

class NeonClient;

// One preflight branch: what summary.json records under "neon".
struct PreflightBranch {
  std::string project_id;
  std::string branch_id;
  std::string branch_name;
  std::string parent_branch_id;
  std::string endpoint_host;  // the branch's read_write endpoint (direct)
};

enum class KeepBranch { no, yes };

enum class ReleaseStatus { deleted, kept, failed };

struct ReleasedBranch {
  PreflightBranch branch;
  ReleaseStatus status = ReleaseStatus::deleted;
  std::string error;  // set when failed
};

class BranchLease {
 public:
  BranchLease() = default;
  BranchLease(std::shared_ptr<NeonClient> client, KeepBranch keep);
  BranchLease(BranchLease&& other) noexcept;
  BranchLease& operator=(BranchLease&& other) noexcept;
  BranchLease(const BranchLease&) = delete;
  BranchLease& operator=(const BranchLease&) = delete;
  // Releases (best effort, errors swallowed) if release() was not called.
  ~BranchLease();

  // Takes responsibility for one more branch.
  void add(PreflightBranch branch);
  // Records the endpoint host of a branch added before its host was known.
  void set_endpoint_host(const std::string& branch_id, const std::string& host);
  const std::vector<PreflightBranch>& branches() const { return branches_; }
  bool released() const { return released_; }

  // Deletes each branch (423 retried until its operations finish) unless kept. Never throws;
  // each branch's result says what happened. A second call returns the first call's results.
  std::vector<ReleasedBranch> release();

 private:
  std::shared_ptr<NeonClient> client_;
  KeepBranch keep_ = KeepBranch::no;
  std::vector<PreflightBranch> branches_;
  std::vector<ReleasedBranch> results_;
  bool released_ = false;
};

}  // namespace pgfleet::neon
