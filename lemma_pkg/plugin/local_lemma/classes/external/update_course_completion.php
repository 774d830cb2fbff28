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

/**
 * Make the course's activity completion criteria exactly the given modules.
 *
 * Criteria are added and removed one by one (completion_criteria_activity); Moodle's own
 * form instead clears every criterion, which deletes every learner's course completion.
 * Learners who completed the course keep their completion; Moodle's cron works out the
 * others with the new criteria.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_course_completion extends external_api {
    /**
     * Parameters: the course and the modules course completion requires.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'cmids' => new external_multiple_structure(
                new external_value(PARAM_INT, 'Course module id'), 'Activities required, none for no criteria'),
        ]);
    }

    /**
     * Rewrite the criteria.
     *
     * @param int $courseid
     * @param array $cmids
     * @return array
     */
    public static function execute(int $courseid, array $cmids): array {
        global $CFG, $DB;
        require_once($CFG->libdir . '/completionlib.php');
        require_once($CFG->dirroot . '/completion/criteria/completion_criteria_activity.php');

        $params = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid, 'cmids' => $cmids]);
        $courseid = $params['courseid'];
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('moodle/course:update', $context);

        $transaction = $DB->start_delegated_transaction();
        $existing = $DB->get_records('course_completion_criteria',
            ['course' => $courseid, 'criteriatype' => COMPLETION_CRITERIA_TYPE_ACTIVITY]);
        $have = [];
        $removed = $added = 0;
        foreach ($existing as $criterion) {
            if (in_array((int)$criterion->moduleinstance, $params['cmids'])) {
                $have[] = (int)$criterion->moduleinstance;
                continue;
            }
            $DB->delete_records('course_completion_crit_compl', ['criteriaid' => $criterion->id]);
            $DB->delete_records('course_completion_criteria', ['id' => $criterion->id]);
            $removed++;
        }
        foreach (array_unique($params['cmids']) as $cmid) {
            if (in_array($cmid, $have)) {
                continue;
            }
            $cm = get_coursemodule_from_id('', $cmid, $courseid, false, MUST_EXIST);
            $criterion = new \completion_criteria_activity();
            $criterion->course = $courseid;
            $criterion->criteriatype = COMPLETION_CRITERIA_TYPE_ACTIVITY;
            $criterion->module = $cm->modname;
            $criterion->moduleinstance = $cm->id;
            $criterion->insert();
            $added++;
        }
        if ($params['cmids']) {
            foreach ([null, COMPLETION_CRITERIA_TYPE_ACTIVITY] as $type) {
                if (!$DB->record_exists('course_completion_aggr_methd', ['course' => $courseid, 'criteriatype' => $type])) {
                    $aggregation = new \completion_aggregation(['course' => $courseid, 'criteriatype' => $type]);
                    $aggregation->setMethod(COMPLETION_AGGREGATION_ALL);
                    $aggregation->save();
                }
            }
        }
        $transaction->allow_commit();
        if ($added || $removed) {
            \cache::make('core', 'coursecompletion')->purge();
        }
        return ['courseid' => $courseid, 'added' => $added, 'removed' => $removed];
    }

    /**
     * How many criteria were added and removed.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'added' => new external_value(PARAM_INT, 'Criteria added'),
            'removed' => new external_value(PARAM_INT, 'Criteria removed'),
        ]);
    }
}
