// Package k8s_test holds the manifests of deploy/k8s to what the README
// says of them. It decodes them strictly, as the API server would take
// them, checks the promises the objects make, then runs the command lines
// they hold, here, with this checkout's binary: two shards of a campaign,
// a retried shard, then the merge.
package k8s_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/sysfsim/sysfsim/campaign"
)

const (
	jobFile   = "sysfsim-job.yaml"
	mergeFile = "sysfsim-merge.yaml"
	// shardExecutions bounds each local shard run in place of --time.
	shardExecutions = 100
	// bug is a seeded bug the first shards' executions find.
	bug = "unlocked-add"
)

func TestManifests(t *testing.T) {
	job, merge := readManifests(t)
	if errs := check(t, job, merge); len(errs) > 0 {
		t.Fatalf("the manifests break their promises:\n%v", errors.Join(errs...))
	}
}

// TestManifestsBroken shows that check fails on manifests that break a
// promise, each in one way.
func TestManifestsBroken(t *testing.T) {
	for _, c := range []struct {
		name, file, old, new string
		want                 string // in some error
	}{
		{"unknown field", jobFile, "backoffLimitPerIndex:", "backoffLimitPerIndx:", "unknown field"},
		{"not batch/v1", mergeFile, "apiVersion: batch/v1", "apiVersion: batch/v1beta1", "batch/v1beta1"},
		{"not indexed", jobFile, "completionMode: Indexed", "completionMode: NonIndexed", "not an Indexed Job"},
		{"completions apart from SHARDS", jobFile, "completions: 8", "completions: 4", "SHARDS"},
		{"shard not the index", jobFile, `--shard "$JOB_COMPLETION_INDEX/$SHARDS"`, `--shard "0/$SHARDS"`, "JOB_COMPLETION_INDEX"},
		{"volume not shared", jobFile, `["ReadWriteMany"]`, `["ReadWriteOnce"]`, "ReadWriteMany"},
		{"merge on another claim", mergeFile, "claimName: sysfsim-results", "claimName: other", "sysfsim-results"},
		{"merge mounts elsewhere", mergeFile, "mountPath: /results", "mountPath: /data", "mounts"},
		{"merge of another seed", mergeFile, `value: "1"`, `value: "2"`, "SEED"},
		{"restarted in place", jobFile, "restartPolicy: Never", "restartPolicy: OnFailure", "restartPolicy"},
		{"disruption fails the job", jobFile, "action: Ignore", "action: FailJob", "disrupted"},
		{"no retries", jobFile, "backoffLimitPerIndex: 3", "backoffLimitPerIndex: 0", "exit 2"},
		{"violations fail the pod", jobFile, `code=$?; [ "$code" -eq 1 ] && code=0; exit "$code"`, `exit $?`, "violations found: true"},
		{"merge takes the .json files", mergeFile, "shard-*/", "shard-*", "merge"},
		{"no resume", jobFile, `--out "/results/seed-$SEED/shard-$JOB_COMPLETION_INDEX"`, `--out "/results/seed-$SEED/shard-$JOB_COMPLETION_INDEX-$(date +%s%N)"`, "resume"},
	} {
		t.Run(c.name, func(t *testing.T) {
			job, merge := readManifests(t)
			p := &job
			if c.file == mergeFile {
				p = &merge
			}
			if !bytes.Contains(*p, []byte(c.old)) {
				t.Fatalf("%s does not contain %q", c.file, c.old)
			}
			*p = bytes.Replace(*p, []byte(c.old), []byte(c.new), 1)
			errs := check(t, job, merge)
			if len(errs) == 0 {
				t.Fatalf("check passes a manifest with %q for %q", c.new, c.old)
			}
			t.Logf("%v", errors.Join(errs...))
			if err := errors.Join(errs...); !strings.Contains(err.Error(), c.want) {
				t.Errorf("no error says %q:\n%v", c.want, err)
			}
		})
	}
}

func readManifests(t *testing.T) (job, merge []byte) {
	t.Helper()
	job, err := os.ReadFile(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	merge, err = os.ReadFile(mergeFile)
	if err != nil {
		t.Fatal(err)
	}
	return job, merge
}

// check returns every promise the manifests break: first in the objects,
// then, when those hold, in what their command lines do.
func check(t *testing.T, jobYAML, mergeYAML []byte) []error {
	m, err := decode(jobYAML, mergeYAML)
	if err != nil {
		return []error{err}
	}
	if errs := m.promises(); len(errs) > 0 {
		return errs
	}
	return m.runs(binary(t), t.TempDir())
}

// manifests are the objects of the two files.
type manifests struct {
	volume corev1.PersistentVolumeClaim
	job    batchv1.Job // the campaign's shards
	merge  batchv1.Job
}

// decode reads the files' documents strictly: a misspelt or unknown
// field, or an object of another kind or version, is an error.
func decode(jobYAML, mergeYAML []byte) (manifests, error) {
	var m manifests
	if err := decodeDocs(jobFile, jobYAML,
		object{&m.volume, &m.volume.TypeMeta, "v1", "PersistentVolumeClaim"},
		object{&m.job, &m.job.TypeMeta, "batch/v1", "Job"}); err != nil {
		return m, err
	}
	return m, decodeDocs(mergeFile, mergeYAML, object{&m.merge, &m.merge.TypeMeta, "batch/v1", "Job"})
}

// object is a document's destination and the type it must declare.
type object struct {
	into             any
	meta             *metav1.TypeMeta
	apiVersion, kind string
}

func decodeDocs(name string, data []byte, objs ...object) error {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(d, "")) != "" {
			docs = append(docs, []byte(d))
		}
	}
	if len(docs) != len(objs) {
		return fmt.Errorf("%s: %d documents, want %d", name, len(docs), len(objs))
	}
	for i, o := range objs {
		if err := yaml.UnmarshalStrict(docs[i], o.into); err != nil {
			return fmt.Errorf("%s: document %d: %v", name, i+1, err)
		}
		if o.meta.APIVersion != o.apiVersion || o.meta.Kind != o.kind {
			return fmt.Errorf("%s: document %d is %s %s, want %s %s", name, i+1, o.meta.APIVersion, o.meta.Kind, o.apiVersion, o.kind)
		}
	}
	return nil
}

// promises checks what the objects promise (the README's paragraph on
// shards and the manifests' comments) and returns every broken promise.
func (m manifests) promises() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	spec := m.job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		bad("%s: not an Indexed Job: pods get no JOB_COMPLETION_INDEX", jobFile)
	}
	c, mc := container(m.job), container(m.merge)
	env, menv := environ(c), environ(mc)
	if spec.Completions == nil || strconv.Itoa(int(*spec.Completions)) != env["SHARDS"] {
		bad("%s: completions %v, but SHARDS %q: shards would be missing or never run", jobFile, deref(spec.Completions), env["SHARDS"])
	}
	if !regexp.MustCompile(`--shard\s+"?\$\{?JOB_COMPLETION_INDEX\}?/\$\{?SHARDS\}?"?\s`).MatchString(script(c)) {
		bad("%s: the shard is not $JOB_COMPLETION_INDEX/$SHARDS", jobFile)
	}
	if env["SEED"] == "" || env["SEED"] != menv["SEED"] {
		bad("SEED %q in %s, %q in %s: the merge would look for another campaign", env["SEED"], jobFile, menv["SEED"], mergeFile)
	}
	if !slices.Contains(m.volume.Spec.AccessModes, corev1.ReadWriteMany) {
		bad("%s: claim %s is not ReadWriteMany: pods on other nodes cannot share it", jobFile, m.volume.Name)
	}
	at, mat := mountOf(m.job, m.volume.Name), mountOf(m.merge, m.volume.Name)
	if at == "" || at != mat {
		bad("claim %s mounts at %q in %s and %q in %s: not one shared volume", m.volume.Name, at, jobFile, mat, mergeFile)
	}
	if m.job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		bad("%s: restartPolicy %q: a pod failure policy needs Never", jobFile, m.job.Spec.Template.Spec.RestartPolicy)
	}
	if f := fate(m.job, 137, true); f != ignored {
		bad("%s: a disrupted (evicted, preempted) pod gets %s, want %s", jobFile, f, ignored)
	}
	return errs
}

func deref(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

// container returns the job's one container, or an empty one.
func container(j batchv1.Job) corev1.Container {
	if cs := j.Spec.Template.Spec.Containers; len(cs) == 1 {
		return cs[0]
	}
	return corev1.Container{}
}

// environ returns the container's literal environment.
func environ(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// script returns the shell script the container runs, or "".
func script(c corev1.Container) string {
	if !slices.Equal(c.Command, []string{"/bin/sh", "-c"}) || len(c.Args) != 1 {
		return ""
	}
	return c.Args[0]
}

// mountOf returns where j's container mounts the volume of claim, or "".
func mountOf(j batchv1.Job, claim string) string {
	for _, v := range j.Spec.Template.Spec.Volumes {
		if pvc := v.PersistentVolumeClaim; pvc == nil || pvc.ClaimName != claim {
			continue
		}
		for _, vm := range container(j).VolumeMounts {
			if vm.Name == v.Name {
				return vm.MountPath
			}
		}
	}
	return ""
}

// What the Job controller does with a finished pod.
const (
	succeeded   = "success"
	retried     = "a retry (one spent)"
	ignored     = "a new pod (no retry spent)"
	indexFailed = "a failed index"
	jobFailed   = "a failed job"
)

// fate is what the Job controller does with a pod of j whose container
// exited with code, disrupted telling whether the pod has the condition
// DisruptionTarget: the first rule of the pod failure policy that matches
// decides, as batch/v1 documents it.
func fate(j batchv1.Job, code int32, disrupted bool) string {
	if code == 0 && !disrupted {
		return succeeded
	}
	if p := j.Spec.PodFailurePolicy; p != nil {
		for _, r := range p.Rules {
			if !matches(r, container(j).Name, code, disrupted) {
				continue
			}
			switch r.Action {
			case batchv1.PodFailurePolicyActionFailJob:
				return jobFailed
			case batchv1.PodFailurePolicyActionFailIndex:
				return indexFailed
			case batchv1.PodFailurePolicyActionIgnore:
				return ignored
			case batchv1.PodFailurePolicyActionCount:
				return counted(j)
			}
		}
	}
	return counted(j)
}

// counted is the fate of a failure counted against the retries.
func counted(j batchv1.Job) string {
	if n := j.Spec.BackoffLimitPerIndex; n != nil {
		if *n > 0 {
			return retried
		}
		return indexFailed
	}
	if n := j.Spec.BackoffLimit; n != nil && *n == 0 {
		return jobFailed
	}
	return retried
}

func matches(r batchv1.PodFailurePolicyRule, name string, code int32, disrupted bool) bool {
	if e := r.OnExitCodes; e != nil {
		if code == 0 || e.ContainerName != nil && *e.ContainerName != name {
			return false
		}
		in := slices.Contains(e.Values, code)
		return e.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && in ||
			e.Operator == batchv1.PodFailurePolicyOnExitCodesOpNotIn && !in
	}
	for _, c := range r.OnPodConditions {
		if c.Type == corev1.DisruptionTarget && (c.Status == "" || c.Status == corev1.ConditionTrue) && disrupted {
			return true
		}
	}
	return false
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// binary builds sysfsim once for the whole test binary and returns the
// directory holding it.
func binary(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build sysfsim with")
	}
	buildOnce.Do(func() {
		built, buildErr = os.MkdirTemp("", "sysfsim-k8s-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command(gobin, "build", "-o", filepath.Join(built, "sysfsim"), "github.com/sysfsim/sysfsim/cmd/sysfsim").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != "" {
		os.RemoveAll(built)
	}
	os.Exit(code)
}

// runs runs the manifests' command lines here, on a temporary directory
// under root for the volume, two shards, and returns every promise they
// break: a shard (and a retried one) succeeds with or without violations,
// a shard that fails is retried, and the merge folds the shards into one
// campaign with its report.
func (m manifests) runs(bin, root string) []error {
	var errs []error
	for _, withBug := range []bool{false, true} {
		errs = append(errs, m.campaign(bin, filepath.Join(root, fmt.Sprintf("bug-%v", withBug)), withBug)...)
	}
	// A shard that fails (here, on bad usage: no shard 0/0) is retried.
	code, out := m.shell(m.job, bin, filepath.Join(root, "bad"), map[string]string{"JOB_COMPLETION_INDEX": "0", "SHARDS": "0"}, "")
	if f := fate(m.job, code, false); f != retried {
		errs = append(errs, fmt.Errorf("a shard failing with exit 2 exits %d, gets %s, want %s\n%s", code, f, retried, out))
	}
	return errs
}

// campaign runs shards 0 and 1 of two into volume, then shard 0 again as a
// retried pod would, then the merge. With bug, the shards run with a
// seeded bug and find violations: sysfsim exits 1, and the pod must
// succeed all the same.
func (m manifests) campaign(bin, volume string, withBug bool) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	extra := ""
	if withBug {
		extra = "--bug " + bug
	}
	for _, i := range []string{"0", "1", "0"} {
		code, out := m.shell(m.job, bin, volume, map[string]string{"JOB_COMPLETION_INDEX": i, "SHARDS": "2"}, extra)
		if f := fate(m.job, code, false); f != succeeded {
			bad("shard %s/2 (violations found: %v) exits %d, gets %s, want %s\n%s", i, withBug, code, f, succeeded, out)
		}
	}
	shards, _ := summaries(volume)
	if len(shards) != 2 || shards[0].Runs != 2 {
		bad("after shards 0, 1 and 0 again: %d shard directories, want 2, shard 0's run twice: a retried pod does not resume its shard", len(shards))
		return errs
	}
	var execs, viol int64
	for _, s := range shards {
		execs += s.Executions
		viol += s.ViolationCount
	}
	if withBug != (viol > 0) {
		bad("shards with bug %v found %d violations: exit 1 is not tested", withBug, viol)
	}
	code, out := m.shell(m.merge, bin, volume, nil, "")
	if f := fate(m.merge, code, false); f != succeeded {
		bad("the merge (violations: %v) exits %d, gets %s, want %s\n%s", withBug, code, f, succeeded, out)
	}
	_, merged := summaries(volume)
	if len(merged) != 1 {
		bad("%d merged summaries under the volume, want 1\n%s", len(merged), out)
		return errs
	}
	got := merged[0]
	seed, _ := strconv.ParseUint(environ(container(m.job))["SEED"], 10, 64)
	if !slices.Equal(got.Shards, []int{0, 1}) || got.Shard.Count != 2 || got.Seed != seed ||
		got.Executions != execs || got.ViolationCount != viol {
		bad("merged: shards %v of %d, seed %d, %d executions, %d violations; want [0 1] of 2, seed %d, %d, %d",
			got.Shards, got.Shard.Count, got.Seed, got.Executions, got.ViolationCount, seed, execs, viol)
	}
	if _, err := os.Stat(filepath.Join(got.dir, "report.html")); err != nil {
		bad("the merge writes no report beside the merged summary: %v", err)
	}
	return errs
}

// shell runs the command line of j's container here, as its pod would
// run it: the shared volume's mount path replaced by volume, --time by
// --executions, extra flags after "sysfsim run", the container's
// environment with env over it, and the binary in bin first on PATH. It
// returns the exit code and the output.
func (m manifests) shell(j batchv1.Job, bin, volume string, env map[string]string, extra string) (int32, string) {
	if err := os.MkdirAll(volume, 0o755); err != nil {
		return -1, err.Error()
	}
	c := container(j)
	s := strings.ReplaceAll(script(c), mountOf(j, m.volume.Name), volume)
	s = regexp.MustCompile(`--time\s+\S+`).ReplaceAllString(s, "--executions "+strconv.Itoa(shardExecutions))
	if extra != "" {
		s = strings.Replace(s, "sysfsim run", "sysfsim run "+extra, 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for k, v := range environ(c) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		if k == "JOB_COMPLETION_INDEX" && (j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion) {
			continue // Kubernetes sets it for Indexed Jobs only
		}
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return int32(exit.ExitCode()), string(out)
	case err != nil:
		return -1, err.Error()
	}
	return 0, string(out)
}

// summary is a campaign summary and the directory holding it.
type summary struct {
	campaign.Summary
	dir string
}

// summaries returns the shards' summaries under volume, by shard index,
// and the merged ones.
func summaries(volume string) (shards, merged []summary) {
	filepath.WalkDir(volume, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != campaign.SummaryFile {
			return nil
		}
		s, err := campaign.LoadSummary(filepath.Dir(path))
		if err != nil {
			return nil
		}
		if len(s.Shards) > 0 {
			merged = append(merged, summary{s, filepath.Dir(path)})
		} else {
			shards = append(shards, summary{s, filepath.Dir(path)})
		}
		return nil
	})
	slices.SortFunc(shards, func(a, b summary) int { return a.Shard.Index - b.Shard.Index })
	return shards, merged
}
