package notebook

import (
	"context"
	"fmt"
	"time"
)

// Runtime runs the workloads of notebook instances: a workload is the
// notebook's ML compute (a Jupyter server, its lifecycle scripts) and its
// ML storage volume. The service calls it from one reconcile worker per
// notebook, so calls for one notebook never overlap; each call names the
// notebook by its record (account, name, and the settings the workload
// needs). Every method is safe to repeat.
//
// Runtime calls report facts; the service decides statuses. A call returns
// once the work is under way (or done); progress is read with Check, which
// the reconcile loop polls.
type Runtime interface {
	// Boot creates (first == true: also runs OnCreate) or restarts the
	// workload of nb with lifecycle configuration lc (nil: none) and
	// returns at once; progress is read with Check. From the moment Boot
	// returns until that boot ends, Check reports Booting; the boot ends
	// Ready, or with FailureReason set. An error means the boot could not
	// begin: the notebook becomes Failed with the error's public message.
	Boot(ctx context.Context, nb *Notebook, lc *LifecycleConfig, first bool) error
	// Halt stops the workload (the ML volume stays). Once it is stopped,
	// Check reports Halted.
	Halt(ctx context.Context, nb *Notebook) error
	// Remove deletes the workload and its ML volume. Idempotent. Once both
	// are gone, Check reports Gone.
	Remove(ctx context.Context, nb *Notebook) error
	// Check reports the workload's facts now.
	Check(ctx context.Context, nb *Notebook) (RuntimeState, error)
}

// Phase is what a workload is doing, as the Runtime sees it.
type Phase string

// The phases.
const (
	// Booting: a boot is under way (lifecycle scripts, server start).
	Booting Phase = "Booting"
	// Ready: the notebook server answers.
	Ready Phase = "Ready"
	// Halted: the workload exists and is not running, and no boot is under
	// way (never booted, stopped, or ended by itself).
	Halted Phase = "Halted"
	// Gone: there is no workload (never created, or removed).
	Gone Phase = "Gone"
)

// RuntimeState is a workload's facts at one moment.
type RuntimeState struct {
	Phase Phase
	// FailureReason is set when the last boot failed (a lifecycle script
	// failed or ran past LifecycleScriptTimeout, or the server did not
	// start), with SageMaker's wording where it has one (see
	// LifecycleTimeoutReason). A new Boot clears it.
	FailureReason string
	// URL is where the notebook server answers (for the proxy), when Ready.
	URL string
}

// LifecycleScriptTimeout is how long a lifecycle script may run before the
// boot fails (SageMaker's limit).
const LifecycleScriptTimeout = 5 * time.Minute

// LifecycleTimeoutReason is SageMaker's FailureReason for a lifecycle script
// of configuration cfgARN that ran past LifecycleScriptTimeout on notebook
// nbARN.
func LifecycleTimeoutReason(cfgARN, nbARN string) string {
	return fmt.Sprintf("Notebook Instance Lifecycle Config '%s' for Notebook Instance '%s' took longer than 5 minutes. "+
		"Please check your CloudWatch logs for more details if your Notebook Instance has Internet access.", cfgARN, nbARN)
}

// LifecycleFailedReason is the FailureReason for a lifecycle script of
// configuration cfgARN that failed on notebook nbARN; detail says how
// ("exit status 1"). It follows the shape of LifecycleTimeoutReason.
func LifecycleFailedReason(cfgARN, nbARN, detail string) string {
	return fmt.Sprintf("Notebook Instance Lifecycle Config '%s' for Notebook Instance '%s' failed: %s. "+
		"Please check the lifecycle configuration log of the notebook instance for more details.", cfgARN, nbARN, detail)
}
