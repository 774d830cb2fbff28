<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

namespace local_lemma\task;

use local_lemma\course_restore;

/**
 * Adhoc task: run a restore that local_lemma_restore_course queued, then set the final names.
 *
 * Queued as the user who asked for the restore. Never retried by the task manager: when
 * it dies halfway (the cron process killed), its next run finds the restore interrupted
 * and marks it failed (and deletes a half-restored new course).
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class restore_course extends \core\task\adhoc_task {
    /**
     * Run the restore named in the custom data.
     */
    public function execute() {
        course_restore::run((string)$this->get_custom_data()->restoreid, (int)$this->get_userid());
    }

    /**
     * A failed restore is not run again: its record says why it failed.
     *
     * @return bool
     */
    public function retry_until_success(): bool {
        return false;
    }
}
