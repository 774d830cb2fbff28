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
 * Update a page, label, URL, file or glossary in place (same cmid), through Moodle's own
 * update_moduleinfo(): name, text, files, completion rules, visibility, glossary entries.
 *
 * Only the aspects named in `aspects` are changed; the rest of the call describes the
 * whole item so that the request is the same whichever aspects changed. Learner data of
 * the module (views, completion, glossary entries by learners) is left alone; changing the
 * completion rules makes Moodle recalculate the module's completion, as its form does.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_item extends external_api {
    /** @var string[] The modules this function updates (quizzes: local_lemma_update_quiz). */
    const MODULES = ['page', 'label', 'url', 'resource', 'glossary'];

    /** @var string[] The aspects it knows. */
    const ASPECTS = ['name', 'text', 'files', 'completion', 'visibility', 'entries'];

    /**
     * The completion rules of an item, as Moodle's course_modules columns hold them.
     *
     * @return external_single_structure
     */
    public static function completion_parameter(): external_single_structure {
        return new external_single_structure([
            'completion' => new external_value(PARAM_INT, '0 none, 1 manual, 2 automatic'),
            'completionview' => new external_value(PARAM_INT, '1: complete on view'),
            'completionusegrade' => new external_value(PARAM_INT, '1: complete on receiving a grade'),
            'completionpassgrade' => new external_value(PARAM_INT, '1: complete on a passing grade'),
        ]);
    }

    /**
     * Parameters: the module, the aspects to change and the item's data.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'cmid' => new external_value(PARAM_INT, 'Course module id'),
            'aspects' => new external_multiple_structure(
                new external_value(PARAM_ALPHA, 'name, text, files, completion, visibility or entries'),
                'What to change'),
            'name' => new external_value(PARAM_TEXT, 'Name'),
            'intro' => new external_value(PARAM_RAW, 'Description HTML (a label: its text)'),
            'content' => new external_value(PARAM_RAW, 'Page content HTML', VALUE_DEFAULT, ''),
            'externalurl' => new external_value(PARAM_RAW, 'URL of a url module', VALUE_DEFAULT, ''),
            'showdescription' => new external_value(PARAM_INT, 'Show the description on the course page',
                VALUE_DEFAULT, 0),
            'draftitemid' => new external_value(PARAM_INT,
                'Draft area holding every file of the item (aspect files), 0 for none', VALUE_DEFAULT, 0),
            'completion' => self::completion_parameter(),
            'visible' => new external_value(PARAM_INT, '1 visible, 0 hidden'),
            'entries' => new external_multiple_structure(
                new external_single_structure([
                    'concept' => new external_value(PARAM_TEXT, 'Concept: the entry is found by it'),
                    'definition' => new external_value(PARAM_RAW, 'Definition HTML'),
                    'aliases' => new external_multiple_structure(
                        new external_value(PARAM_TEXT, 'Alias'), 'Aliases', VALUE_DEFAULT, []),
                ]),
                'Glossary entries to add or update (aspect entries)', VALUE_DEFAULT, []),
            'applied' => applied::parameter(),
        ]);
    }

    /**
     * Update the item.
     *
     * @param int $cmid
     * @param array $aspects
     * @param string $name
     * @param string $intro
     * @param string $content
     * @param string $externalurl
     * @param int $showdescription
     * @param int $draftitemid
     * @param array $completion
     * @param int $visible
     * @param array $entries
     * @param array $applied
     * @return array
     */
    public static function execute(int $cmid, array $aspects, string $name, string $intro, string $content,
            string $externalurl, int $showdescription, int $draftitemid, array $completion, int $visible,
            array $entries = [], array $applied = []): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/modlib.php');
        require_once($CFG->dirroot . '/mod/glossary/lib.php');

        $params = self::validate_parameters(self::execute_parameters(), [
            'cmid' => $cmid, 'aspects' => $aspects, 'name' => $name, 'intro' => $intro,
            'content' => $content, 'externalurl' => $externalurl, 'showdescription' => $showdescription,
            'draftitemid' => $draftitemid, 'completion' => $completion, 'visible' => $visible,
            'entries' => $entries, 'applied' => $applied,
        ]);
        [$course, $cminfo] = get_course_and_cm_from_cmid($params['cmid']);
        $context = \context_module::instance($cminfo->id);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);
        $aspects = array_values(array_unique($params['aspects']));
        foreach ($aspects as $aspect) {
            if (!in_array($aspect, self::ASPECTS)) {
                throw new \invalid_parameter_exception("unknown aspect '$aspect'");
            }
        }
        if (in_array('visibility', $aspects)) {
            require_capability('moodle/course:activityvisibility', $context);
        }
        if (!in_array($cminfo->modname, self::MODULES)) {
            throw new \invalid_parameter_exception("local_lemma_update_item does not update a {$cminfo->modname}");
        }
        $has = fn(string $aspect): bool => in_array($aspect, $aspects);

        $transaction = $DB->start_delegated_transaction();
        $cm = get_coursemodule_from_id('', $cminfo->id, 0, false, MUST_EXIST);
        [$cm, , , $data] = get_moduleinfo_data($cm, $course);
        // What the module's form would post for the settings lemma does not set.
        $displayoptions = empty($data->displayoptions) ? [] : (array)unserialize_array($data->displayoptions);
        foreach ($displayoptions as $key => $value) {
            $data->$key = $value;
        }
        if ($cminfo->modname === 'url') {
            $i = 0;
            foreach ((array)unserialize_array($data->parameters ?? '') as $parameter => $variable) {
                $data->{"parameter_$i"} = $parameter;
                $data->{"variable_$i"} = $variable;
                $i++;
            }
        }
        $draft = $has('files') ? $params['draftitemid'] : 0;
        if ($has('name')) {
            $data->name = $params['name'];
        }
        if ($has('text')) {
            $data->introeditor['text'] = $params['intro'];
            $data->introeditor['format'] = FORMAT_HTML;
            $data->showdescription = $params['showdescription'];
            if ($cminfo->modname === 'url') {
                $data->externalurl = $params['externalurl'];
            }
        }
        if ($cminfo->modname === 'label' && $draft) {
            $data->introeditor['itemid'] = $draft; // A label's files are those of its text.
        }
        if ($cminfo->modname === 'page') {
            $data->page = [
                'text' => $has('text') ? $params['content'] : $data->content,
                'format' => $has('text') ? FORMAT_HTML : $data->contentformat,
                'itemid' => $draft,
            ];
        }
        if ($cminfo->modname === 'resource') {
            $data->files = $draft;
        }
        if ($has('completion')) {
            $c = $params['completion'];
            $data->completionunlocked = 1;
            $data->completion = $c['completion'];
            $data->completionview = $c['completionview'];
            $data->completionusegrade = $c['completionusegrade'];
            $data->completiongradeitemnumber = $c['completionusegrade'] ? 0 : null;
            $data->completionpassgrade = $c['completionpassgrade'];
        }
        if ($has('visibility')) {
            $data->visible = $params['visible'];
        }
        update_moduleinfo($cm, $data, $course);

        if ($has('entries') && $cminfo->modname === 'glossary') {
            self::update_entries($course, $cminfo, $context, $params['entries']);
        }
        applied::merge((int)$course->id, $params['applied']);
        $transaction->allow_commit();
        return ['cmid' => (int)$cminfo->id, 'changed' => $aspects];
    }

    /**
     * Add or update glossary entries, found by concept (entries not named are kept).
     *
     * @param \stdClass $course
     * @param \cm_info $cminfo
     * @param \context_module $context
     * @param array $entries
     */
    protected static function update_entries(\stdClass $course, \cm_info $cminfo, \context_module $context,
            array $entries): void {
        global $DB;
        $glossary = $DB->get_record('glossary', ['id' => $cminfo->instance], '*', MUST_EXIST);
        $cm = get_coursemodule_from_id('glossary', $cminfo->id, 0, false, MUST_EXIST);
        foreach ($entries as $given) {
            $aliases = implode("\n", $given['aliases']);
            $entry = $DB->get_record('glossary_entries', ['glossaryid' => $glossary->id, 'concept' => $given['concept']],
                '*', IGNORE_MULTIPLE);
            if ($entry) {
                $old = $DB->get_fieldset_select('glossary_alias', 'alias', 'entryid = ? ORDER BY id', [$entry->id]);
                if ($entry->definition === $given['definition'] && implode("\n", $old) === $aliases) {
                    continue;
                }
            } else {
                $entry = new \stdClass();
            }
            $entry->concept = $given['concept'];
            $entry->definition_editor = ['text' => $given['definition'], 'format' => FORMAT_HTML,
                'itemid' => file_get_unused_draft_itemid()];
            $entry->aliases = $aliases;
            glossary_edit_entry($entry, $course, $cm, $glossary, $context);
        }
    }

    /**
     * The module and the aspects changed.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'cmid' => new external_value(PARAM_INT, 'Course module id'),
            'changed' => new external_multiple_structure(
                new external_value(PARAM_ALPHA, 'Aspect'), 'Aspects applied'),
        ]);
    }
}
