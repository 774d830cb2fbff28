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
 * Items removed from the sources: hidden (the default, learner data kept) or deleted with
 * Moodle's course_delete_module() (`lemma deploy --update --prune`, after lemma exported
 * their learner data). A hidden item's fingerprints become {"removed": "hidden"} (so a later
 * --prune still knows it as lemma's, and adding it back applies it whole); a deleted one's
 * are forgotten.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class remove_items extends external_api {
    /**
     * Parameters: the course, the modules, hide or delete.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'items' => new external_multiple_structure(
                new external_single_structure([
                    'cmid' => new external_value(PARAM_INT, 'Course module id'),
                    'key' => new external_value(PARAM_RAW, 'Its fingerprint key'),
                ])
            ),
            'delete' => new external_value(PARAM_BOOL, 'Delete instead of hiding', VALUE_DEFAULT, false),
        ]);
    }

    /**
     * Hide or delete the modules.
     *
     * @param int $courseid
     * @param array $items
     * @param bool $delete
     * @return array
     */
    public static function execute(int $courseid, array $items, bool $delete = false): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/lib.php');

        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'items' => $items, 'delete' => $delete]);
        $courseid = $params['courseid'];
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        $out = [];
        foreach ($params['items'] as $item) {
            $cm = $DB->get_record('course_modules', ['id' => $item['cmid'], 'course' => $courseid]);
            if (!$cm) {
                $out[] = ['cmid' => $item['cmid'], 'action' => 'gone'];
                applied::forget($courseid, [$item['key']]);
                continue;
            }
            $modcontext = \context_module::instance($cm->id);
            if ($params['delete']) {
                require_capability('moodle/course:manageactivities', $modcontext);
                course_delete_module($cm->id);
                $action = 'deleted';
            } else {
                require_capability('moodle/course:activityvisibility', $modcontext);
                $action = $cm->visible ? 'hidden' : 'unchanged';
                if ($cm->visible) {
                    set_coursemodule_visible($cm->id, 0);
                }
            }
            if ($params['delete']) {
                applied::forget($courseid, [$item['key']]);
            } else {
                applied::set($courseid, $item['key'], ['removed' => 'hidden']);
            }
            $out[] = ['cmid' => (int)$cm->id, 'action' => $action];
        }
        return ['courseid' => $courseid, 'items' => $out];
    }

    /**
     * What happened to each module.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'items' => new external_multiple_structure(
                new external_single_structure([
                    'cmid' => new external_value(PARAM_INT, 'Course module id'),
                    'action' => new external_value(PARAM_ALPHA, 'hidden, unchanged, deleted or gone'),
                ])
            ),
        ]);
    }
}
