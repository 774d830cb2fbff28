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


namespace local_lemma\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;
use local_lemma\local\applied;

/**
 * Restore the activities of an uploaded partial backup into an existing course.
 *
 * `lemma deploy --update` builds a backup that holds only the items added to the sources
 * (with every section, so that each item lands in its own section by number) and uploads
 * it to the user's draft area. This restores it with Moodle's restore controller, adding to
 * the course (TARGET_EXISTING_ADDING, the course's settings, enrolments and learner data
 * untouched), synchronously, and answers the new course modules found by idnumber. Moving
 * them into position is local_lemma_update_sections' job.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class restore_items extends external_api {
    /**
     * Parameters: the course, the draft area holding the .mbz, the idnumbers it adds.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'draftitemid' => new external_value(PARAM_INT, 'Draft area of the user holding one .mbz'),
            'idnumbers' => new external_multiple_structure(
                new external_value(PARAM_RAW, 'Course module idnumber'), 'The items the backup adds'),
            'applied' => applied::parameter(),
        ]);
    }

    /**
     * Restore the items.
     *
     * @param int $courseid
     * @param int $draftitemid
     * @param array $idnumbers
     * @param array $applied
     * @return array
     */
    public static function execute(int $courseid, int $draftitemid, array $idnumbers, array $applied = []): array {
        global $CFG, $DB, $USER;
        require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');

        $params = self::validate_parameters(self::execute_parameters(), [
            'courseid' => $courseid, 'draftitemid' => $draftitemid, 'idnumbers' => $idnumbers,
            'applied' => $applied,
        ]);
        $courseid = $params['courseid'];
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('moodle/restore:restorecourse', $context);
        require_capability('moodle/course:manageactivities', $context);

        $missing = [];
        foreach ($params['idnumbers'] as $idnumber) {
            if (!self::find($courseid, $idnumber)) {
                $missing[] = $idnumber;
            }
        }
        $warnings = [];
        if ($missing) {
            $fs = get_file_storage();
            $usercontext = \context_user::instance($USER->id);
            $files = $fs->get_area_files($usercontext->id, 'user', 'draft', $params['draftitemid'], 'id', false);
            if (count($files) !== 1) {
                throw new \moodle_exception('restorenofile', 'local_lemma', '', $params['draftitemid']);
            }
            $file = reset($files);
            $backupdir = \restore_controller::get_tempdir_name($courseid, $USER->id);
            $path = make_backup_temp_directory($backupdir);
            try {
                $file->extract_to_pathname(get_file_packer('application/vnd.moodle.backup'), $path);
                $rc = new \restore_controller($backupdir, $courseid, \backup::INTERACTIVE_NO,
                    \backup::MODE_GENERAL, $USER->id, \backup::TARGET_EXISTING_ADDING);
                $plan = $rc->get_plan();
                if ($plan->setting_exists('overwrite_conf')) {
                    $plan->get_setting('overwrite_conf')->set_value(false);
                }
                if (!$rc->execute_precheck()) {
                    $results = $rc->get_precheck_results();
                    if (!empty($results['errors'])) {
                        $rc->destroy();
                        throw new \moodle_exception('restoreprecheck', 'local_lemma', '',
                            implode('; ', $results['errors']));
                    }
                    $warnings = $results['warnings'] ?? [];
                }
                $rc->execute_plan();
                $rc->destroy();
            } finally {
                fulldelete($path);
            }
            $fs->delete_area_files($usercontext->id, 'user', 'draft', $params['draftitemid']);
        }

        $modules = [];
        foreach ($params['idnumbers'] as $idnumber) {
            $cm = self::find($courseid, $idnumber);
            if (!$cm) {
                throw new \moodle_exception('restoremissing', 'local_lemma', '', $idnumber);
            }
            $modules[] = ['idnumber' => $idnumber, 'cmid' => (int)$cm->id, 'restored' => in_array($idnumber, $missing)];
        }
        applied::merge($courseid, $params['applied']);
        return [
            'courseid' => $courseid,
            'modules' => $modules,
            'warnings' => array_map(fn($w) => ['message' => (string)$w], array_values($warnings)),
        ];
    }

    /**
     * The course module with this idnumber in the course (the newest if several).
     *
     * @param int $courseid
     * @param string $idnumber
     * @return \stdClass|null
     */
    protected static function find(int $courseid, string $idnumber): ?\stdClass {
        global $DB;
        $cms = $DB->get_records_select('course_modules', 'course = ? AND idnumber = ? AND deletioninprogress = 0',
            [$courseid, $idnumber], 'id DESC', 'id', 0, 1);
        return $cms ? reset($cms) : null;
    }

    /**
     * The course modules of the items, and the restore's warnings.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'modules' => new external_multiple_structure(
                new external_single_structure([
                    'idnumber' => new external_value(PARAM_RAW, 'Course module idnumber'),
                    'cmid' => new external_value(PARAM_INT, 'Course module id'),
                    'restored' => new external_value(PARAM_BOOL, 'Restored by this call (false: it was there)'),
                ])
            ),
            'warnings' => new external_multiple_structure(
                new external_single_structure([
                    'message' => new external_value(PARAM_RAW, 'Restore precheck warning'),
                ])
            ),
        ]);
    }
}
