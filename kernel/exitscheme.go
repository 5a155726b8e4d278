package kernel

import (
	"fmt"

	"github.com/sysfsim/sysfsim/model"
)

// ExitDrawn, as CampaignConfig.ExitScheme, judges each program by the exit
// scheme gen drew for it.
const ExitDrawn = "drawn"

// ParseExitScheme reads a kernel campaign's exit scheme: a model exit
// scheme by name ("kernel", "tag"), or ExitDrawn, for which drawn is set
// and scheme means nothing. An unknown name is an error listing the known
// ones.
func ParseExitScheme(name string) (scheme model.ExitScheme, drawn bool, err error) {
	if name == ExitDrawn {
		return 0, true, nil
	}
	scheme, err = model.ParseExitScheme(name)
	if err != nil {
		return 0, false, fmt.Errorf("unknown exit scheme %q (known: %s, %s, %s)", name, model.ExitKernel, model.ExitTag, ExitDrawn)
	}
	return scheme, false, nil
}
